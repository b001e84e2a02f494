"""委员联络助手 · Member Liaison Bot — the application package."""
