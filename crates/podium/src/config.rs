//! Configuration: flags and environment variables only (12-factor), parsed once.

use std::net::IpAddr;
use std::path::PathBuf;

/// Where the data lives.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// Database URL: `postgres://user:pass@host/db` or `sqlite://path/to/file.db`.
    /// Default: `podium.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory for the embedded database and uploads.
    #[arg(long, env = "PODIUM_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

impl DbArgs {
    /// The database URL to use, creating the data directory for the embedded default.
    /// The database URL when the database may already exist: `DATABASE_URL`, or the SQLite
    /// file in the data directory if it is there. None: there is no database yet.
    pub fn resolve_existing(&self) -> Option<String> {
        match &self.database_url {
            Some(url) => Some(url.clone()),
            None => {
                let file = self.data_dir.join("podium.db");
                file.exists()
                    .then(|| format!("sqlite://{}?mode=rwc", file.display()))
            }
        }
    }

    /// The database URL, creating the data directory for the default SQLite file.
    pub fn resolve(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                self.data_dir.display()
            )
        })?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("podium.db").display()
        ))
    }
}

/// Arguments of `podium serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TCP port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, env = "PODIUM_BIND", default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// Public origin of the site, for canonical and share links (default http://localhost:PORT).
    #[arg(long, env = "PODIUM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log-in and sign-up attempts allowed per client address per minute.
    #[arg(long, env = "PODIUM_LOGIN_RATE", default_value_t = 10)]
    pub login_attempts_per_minute: u32,
    /// Behind a reverse proxy (Heroku, nginx): take client addresses from X-Forwarded-For.
    #[arg(long, env = "PODIUM_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// Load the demo conference (once; running again changes nothing).
    #[arg(long)]
    pub demo: bool,
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
}
