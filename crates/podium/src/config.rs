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
    /// Redis shared by every instance of the site (`redis://[:password@]host:port[/db]`):
    /// sessions, log-in rate limits and live updates go through it. Needed to run several
    /// instances; without it they stay in this process and the database.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,
    /// Prefix of every Redis key and channel podium uses (several sites can share one Redis).
    #[arg(long, env = "PODIUM_REDIS_PREFIX", default_value = podium_app::cluster::DEFAULT_PREFIX)]
    pub redis_prefix: String,
    /// Load the demo conference (once; running again changes nothing).
    #[arg(long)]
    pub demo: bool,
    /// Largest slides PDF accepted, in megabytes.
    #[arg(long, env = "PODIUM_MAX_SLIDES_MB", default_value_t = 50)]
    pub max_slides_mb: u64,
    /// Where slide PDFs go: an S3-compatible bucket when an endpoint is set, else the data
    /// directory.
    #[command(flatten)]
    pub s3: S3Args,
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
    /// Where email goes.
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Email: SMTP when a URL is set, else `.eml` files in an outbox folder.
#[derive(Debug, clap::Args)]
pub struct MailArgs {
    /// SMTP server: `smtps://user:pass@host[:465]`, or `smtp://user:pass@host:587` (STARTTLS
    /// required; `?tls=none` for plain SMTP, the default only for localhost). Without it mail
    /// is written as .eml files to the outbox folder.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,
    /// The From address of podium's mail (`Name <address>` or a bare address).
    #[arg(long, env = "PODIUM_MAIL_FROM", default_value = podium_jobs::DEFAULT_FROM)]
    pub mail_from: String,
    /// Where .eml files go without SMTP (default: `outbox` in the data directory).
    #[arg(long, env = "PODIUM_OUTBOX_DIR")]
    pub outbox_dir: Option<PathBuf>,
}

impl MailArgs {
    /// The mail settings, with the outbox folder under `data_dir` unless set. An empty
    /// `SMTP_URL` counts as none.
    pub fn settings(&self, data_dir: &std::path::Path) -> podium_jobs::MailSettings {
        podium_jobs::MailSettings {
            smtp_url: self
                .smtp_url
                .as_ref()
                .map(|s| s.0.trim().to_owned())
                .filter(|s| !s.is_empty()),
            from: self.mail_from.clone(),
            outbox_dir: self
                .outbox_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("outbox")),
        }
    }
}

/// An S3-compatible bucket for slide PDFs (all of endpoint, bucket and keys, or none).
#[derive(Debug, clap::Args)]
pub struct S3Args {
    /// S3 endpoint, such as `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`.
    #[arg(long = "s3-endpoint", env = "PODIUM_S3_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Bucket name.
    #[arg(long = "s3-bucket", env = "PODIUM_S3_BUCKET")]
    pub bucket: Option<String>,
    /// Access key id.
    #[arg(
        long = "s3-access-key",
        env = "PODIUM_S3_ACCESS_KEY",
        hide_env_values = true
    )]
    pub access_key: Option<String>,
    /// Secret access key.
    #[arg(
        long = "s3-secret-key",
        env = "PODIUM_S3_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: Option<Secret>,
    /// Signing region.
    #[arg(
        long = "s3-region",
        env = "PODIUM_S3_REGION",
        default_value = "us-east-1"
    )]
    pub region: String,
}

/// A secret setting: its `Debug` never shows the value.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl ServeArgs {
    /// The Redis URL, if one is set (an empty `REDIS_URL` counts as none, as hosts that
    /// template their environment leave it).
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url
            .as_ref()
            .map(|s| s.0.trim())
            .filter(|s| !s.is_empty())
    }

    /// The slides settings: the size limit, and S3 when an endpoint is set (then the bucket
    /// and both keys are required), else files under the data directory.
    pub fn slides(&self) -> anyhow::Result<podium_web::SlidesConfig> {
        let max_bytes = self
            .max_slides_mb
            .checked_mul(1_000_000)
            .filter(|b| *b > 0)
            .ok_or_else(|| anyhow::anyhow!("PODIUM_MAX_SLIDES_MB must be a positive number"))?;
        let storage = match &self.s3.endpoint {
            None => podium_web::StorageConfig::Disk(self.db.data_dir.clone()),
            Some(endpoint) => {
                let need = |v: &Option<String>, name: &str| {
                    v.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
                        anyhow::anyhow!("PODIUM_S3_ENDPOINT is set but {name} is not")
                    })
                };
                let s3 = podium_web::S3Config {
                    endpoint: endpoint.clone(),
                    bucket: need(&self.s3.bucket, "PODIUM_S3_BUCKET")?,
                    access_key: need(&self.s3.access_key, "PODIUM_S3_ACCESS_KEY")?,
                    secret_key: need(
                        &self.s3.secret_key.as_ref().map(|s| s.0.clone()),
                        "PODIUM_S3_SECRET_KEY",
                    )?,
                    region: self.s3.region.clone(),
                };
                s3.validate().map_err(|e| anyhow::anyhow!(e))?;
                podium_web::StorageConfig::S3(s3)
            }
        };
        Ok(podium_web::SlidesConfig { max_bytes, storage })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::ServeArgs;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn slides(args: &[&str]) -> anyhow::Result<podium_web::SlidesConfig> {
        let mut all = vec!["podium"];
        all.extend_from_slice(args);
        Args::try_parse_from(all)?.serve.slides()
    }

    #[test]
    fn redis_is_optional_hidden_and_prefixed() {
        let none = Args::try_parse_from(["podium"]).unwrap().serve;
        assert_eq!(none.redis_url(), None);
        assert_eq!(none.redis_prefix, "podium:");
        let empty = Args::try_parse_from(["podium", "--redis-url", " "])
            .unwrap()
            .serve;
        assert_eq!(empty.redis_url(), None, "an empty REDIS_URL is no Redis");
        let set = Args::try_parse_from([
            "podium",
            "--redis-url",
            "redis://:hunter2@cache:6379/1",
            "--redis-prefix",
            "conf-a:",
        ])
        .unwrap()
        .serve;
        assert_eq!(set.redis_url(), Some("redis://:hunter2@cache:6379/1"));
        assert_eq!(set.redis_prefix, "conf-a:");
        assert!(
            !format!("{set:?}").contains("hunter2"),
            "the URL is redacted"
        );
    }

    #[tokio::test]
    async fn mail_goes_to_files_in_the_data_dir_unless_smtp_is_set() {
        let parse = |args: &[&str]| {
            let mut all = vec!["podium"];
            all.extend_from_slice(args);
            Args::try_parse_from(all).unwrap().serve
        };
        let files = parse(&["--data-dir", "/srv/podium"]);
        let settings = files.mail.settings(&files.db.data_dir);
        assert_eq!(settings.smtp_url, None);
        assert_eq!(settings.from, "podium@localhost");
        assert_eq!(
            settings.outbox_dir,
            std::path::PathBuf::from("/srv/podium/outbox")
        );
        let smtp = parse(&[
            "--smtp-url",
            "smtp://user:hunter2@mail.example:587",
            "--mail-from",
            "PyConf <team@pyconf.example>",
            "--outbox-dir",
            "/var/mail/podium",
        ]);
        assert!(
            !format!("{smtp:?}").contains("hunter2"),
            "the URL is redacted"
        );
        let settings = smtp.mail.settings(&smtp.db.data_dir);
        assert_eq!(
            settings.smtp_url.as_deref(),
            Some("smtp://user:hunter2@mail.example:587")
        );
        assert_eq!(settings.from, "PyConf <team@pyconf.example>");
        assert!(podium_jobs::Mailer::new(&settings).is_ok());
        let empty = parse(&["--smtp-url", " "]);
        assert_eq!(empty.mail.settings(&empty.db.data_dir).smtp_url, None);
    }

    #[test]
    fn slides_go_to_the_data_dir_unless_an_s3_endpoint_is_set() {
        let disk = slides(&["--data-dir", "/srv/podium", "--max-slides-mb", "20"]).unwrap();
        assert_eq!(disk.max_bytes, 20_000_000);
        assert!(
            matches!(&disk.storage, podium_web::StorageConfig::Disk(dir) if dir.as_os_str() == "/srv/podium")
        );

        let s3 = slides(&[
            "--s3-endpoint",
            "http://minio:9000",
            "--s3-bucket",
            "slides",
            "--s3-access-key",
            "AKID",
            "--s3-secret-key",
            "very secret",
        ])
        .unwrap();
        let podium_web::StorageConfig::S3(s3) = s3.storage else {
            panic!("S3 expected")
        };
        assert_eq!(
            (s3.endpoint.as_str(), s3.bucket.as_str(), s3.region.as_str()),
            ("http://minio:9000", "slides", "us-east-1")
        );
        assert!(
            !format!("{s3:?}").contains("very secret"),
            "the secret is redacted"
        );
    }

    #[test]
    fn incomplete_or_unusable_s3_settings_stop_the_start() {
        let missing = slides(&["--s3-endpoint", "http://minio:9000", "--s3-bucket", "b"])
            .unwrap_err()
            .to_string();
        assert!(missing.contains("PODIUM_S3_ACCESS_KEY is not"), "{missing}");
        let base = [
            "--s3-bucket",
            "b",
            "--s3-access-key",
            "a",
            "--s3-secret-key",
            "s",
            "--s3-endpoint",
        ];
        let mut ftp = base.to_vec();
        ftp.push("ftp://files.example");
        assert!(slides(&ftp).is_err());
        let mut https = base.to_vec();
        https.push("https://s3.eu-west-1.amazonaws.com");
        // The default build has no TLS client: it says how to get one instead of failing later.
        match slides(&https) {
            Ok(_) => assert!(podium_web_has_tls()),
            Err(e) => assert!(
                e.to_string().contains("--features podium-web/s3-https"),
                "{e}"
            ),
        }
        assert!(slides(&["--max-slides-mb", "0"]).is_err());
    }

    /// Whether podium-web was built with TLS for S3 (its feature, seen from here).
    fn podium_web_has_tls() -> bool {
        podium_web::S3Config {
            endpoint: "https://x.example".to_owned(),
            bucket: "b".to_owned(),
            access_key: "a".to_owned(),
            secret_key: "s".to_owned(),
            region: "r".to_owned(),
        }
        .validate()
        .is_ok()
    }
}
