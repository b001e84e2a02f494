"""The duty record in chat: /me, /group, /stats, the supervision reminder and the weekly digest."""
