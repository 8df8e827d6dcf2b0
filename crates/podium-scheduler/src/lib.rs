//! podium-scheduler: pure conference schedule optimizer (see docs/scheduler.md).
