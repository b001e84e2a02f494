"""The duty record (履职档案): each member's year in figures and points, the overviews for
leaders and staff, the supervision reminder, the weekly group digest and the 履职登记表."""
