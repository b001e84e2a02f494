"""What the services, the transport, the handlers and the program share: config, roles and
permissions (with `Refused`, the exception for a refusal; some services answer with an outcome
instead), texts, time and day parsing, phones, the office's spreadsheets read, CLI arguments."""
