"""The vocabulary every floor shares: the domain's records and enums (members, groups, events,
reports, reminders, proposals, the duty record) and the one clock. It imports nothing of the
project; storage, the services, the handlers and the program stand on it."""
