//! podium-app
