"""The duty record in chat: /me, /group, /stats, the supervision reminder and the weekly digest."""

from __future__ import annotations

from handlers.duty_record import export
from handlers.shared.capability import Capability

# Minimal here: the duty record's commands are added by their own branch (the lead merges).
CAPABILITY = Capability(name="duty_record", exports={"duty": export.export_duty})
