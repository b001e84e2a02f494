"""The duty record in chat: /me, /group, /stats, the supervision reminder and the weekly digest."""

from __future__ import annotations

from handlers.duty_record import jobs
from handlers.shared.capability import Capability

CAPABILITY = Capability(name="duty_record", jobs=(jobs.schedule_duty_jobs,))
