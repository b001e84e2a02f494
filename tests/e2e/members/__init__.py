"""End to end: registration, roles and binding group chats."""
