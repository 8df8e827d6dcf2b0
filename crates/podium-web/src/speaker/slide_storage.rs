//! Where uploaded slide PDFs live: files under the data directory (the default), or objects in
//! an S3-compatible bucket when one is configured. Keys are relative paths such as
//! `slides/<talk guid>-<hash>.pdf`; the database records the key, never the bytes.
//!
//! The S3 client is a few signed requests over reqwest (AWS Signature Version 4, path-style
//! URLs), not an SDK. It is checked against AWS's documented signing example in a unit test but
//! has not been run against a real S3 server here.

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// What went wrong while storing or reading slide bytes.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file operation under the data directory failed.
    #[error("slide file {path}: {source}")]
    Disk {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The S3 server could not be reached or answered with an error.
    #[error("S3 {method} {key}: {detail}")]
    S3 {
        /// `PUT`, `GET` or `DELETE`.
        method: &'static str,
        /// The object key.
        key: String,
        /// Status and body, or the connection error.
        detail: String,
    },
}

/// Bytes read back from storage: a body to send and its length.
pub struct Stored {
    /// The bytes, streamed where the storage allows it.
    pub body: Body,
    /// Length in bytes.
    pub len: u64,
}

/// Where slide bytes are kept. `put` is all or nothing: a reader never sees half a file.
#[async_trait]
pub trait SlideStorage: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError>;
    /// The bytes under `key`; `None` if there are none.
    async fn get(&self, key: &str) -> Result<Option<Stored>, StorageError>;
    /// Deletes `key` (nothing there is fine).
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
}

/// Slide uploads: how large they may be and where they go.
#[derive(Clone, Debug)]
pub struct SlidesConfig {
    /// The largest PDF accepted, in bytes (`PODIUM_MAX_SLIDES_MB`, default 50 MB).
    pub max_bytes: u64,
    /// Where the files are kept.
    pub storage: StorageConfig,
}

/// The default upload limit: 50 MB.
pub const DEFAULT_MAX_SLIDES_BYTES: u64 = 50_000_000;

/// Which storage to use, from the configuration.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// Files under this directory (`PODIUM_DATA_DIR`).
    Disk(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Config),
}

/// An S3-compatible bucket, addressed path-style (`{endpoint}/{bucket}/{key}`), which AWS,
/// MinIO, Garage, Ceph and Cloudflare R2 all accept.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`, …
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The access key id.
    pub access_key: String,
    /// The secret access key (never logged).
    pub secret_key: String,
    /// The signing region (`us-east-1` where the server does not care).
    pub region: String,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"[redacted]")
            .finish()
    }
}

impl S3Config {
    /// Checks the endpoint: an http(s) URL with a host; https only when built with the
    /// `s3-https` feature (the default build has no TLS client).
    pub fn validate(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.endpoint)
            .map_err(|e| format!("PODIUM_S3_ENDPOINT {:?} is not a URL: {e}", self.endpoint))?;
        if url.host_str().is_none() {
            return Err(format!(
                "PODIUM_S3_ENDPOINT {:?} has no host",
                self.endpoint
            ));
        }
        match url.scheme() {
            "http" => Ok(()),
            "https" if cfg!(feature = "s3-https") => Ok(()),
            "https" => Err(
                "PODIUM_S3_ENDPOINT is https, but this podium was built without TLS for S3: \
                 build with `--features podium-web/s3-https`, or use an http endpoint on a \
                 private network"
                    .to_owned(),
            ),
            other => Err(format!(
                "PODIUM_S3_ENDPOINT must be http or https, not {other}"
            )),
        }
    }
}

/// The storage a configuration names.
pub fn open(config: &StorageConfig) -> std::sync::Arc<dyn SlideStorage> {
    match config {
        StorageConfig::Disk(dir) => std::sync::Arc::new(DiskStorage { root: dir.clone() }),
        StorageConfig::S3(s3) => std::sync::Arc::new(S3Storage {
            config: s3.clone(),
            client: reqwest::Client::new(),
        }),
    }
}

/// Files under a root directory.
pub struct DiskStorage {
    root: PathBuf,
}

impl DiskStorage {
    /// The file of a key; keys are our own (`slides/…`), but refuse anything that could climb
    /// out of the root anyway.
    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        let safe = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty() && part != "." && part != ".." && !part.contains('\\')
            });
        if !safe {
            return Err(StorageError::Disk {
                path: PathBuf::from(key),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "unsafe key"),
            });
        }
        Ok(self.root.join(key))
    }
}

fn disk_error(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Disk {
        path: path.to_owned(),
        source,
    }
}

/// Writes `bytes` to a temporary file next to `path`, flushes it to the disk, then renames it
/// over `path`: a crash leaves either the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(disk_error(dir))?;
    // Unique per process and write; the process id keeps two servers on one directory apart.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("slides");
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is durable once the directory is synced (best effort: not every
        // platform can open a directory).
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        StorageError::Disk {
            path: path.to_owned(),
            source,
        }
    })
}

#[async_trait]
impl SlideStorage for DiskStorage {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| StorageError::Disk {
                path: PathBuf::from(key),
                source: std::io::Error::other(e.to_string()),
            })?
    }

    async fn get(&self, key: &str) -> Result<Option<Stored>, StorageError> {
        let path = self.path(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(disk_error(&path)(e)),
        };
        let len = file.metadata().await.map_err(disk_error(&path))?.len();
        let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
        Ok(Some(Stored { body, len }))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(disk_error(&path)(e)),
        }
    }
}

/// An S3-compatible bucket over signed HTTP requests.
pub struct S3Storage {
    config: S3Config,
    client: reqwest::Client,
}

impl S3Storage {
    /// A signed request for `key`; the body's SHA-256 goes into the signature.
    fn request(
        &self,
        method: reqwest::Method,
        key: &str,
        payload_sha256: &str,
    ) -> Result<reqwest::RequestBuilder, String> {
        let endpoint = url::Url::parse(&self.config.endpoint).map_err(|e| e.to_string())?;
        let host = match (endpoint.host_str(), endpoint.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err("the endpoint has no host".to_owned()),
        };
        let base = endpoint.path().trim_end_matches('/');
        let path = format!(
            "{base}/{}/{}",
            uri_encode(&self.config.bucket, false),
            uri_encode(key, true)
        );
        let now = jiff::Timestamp::now();
        let amz_date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let signed = sigv4(&SigningInput {
            method: method.as_str(),
            canonical_uri: &path,
            canonical_query: "",
            headers: &[
                ("host", &host),
                ("x-amz-content-sha256", payload_sha256),
                ("x-amz-date", &amz_date),
            ],
            payload_sha256,
            amz_date: &amz_date,
            region: &self.config.region,
            service: "s3",
            access_key: &self.config.access_key,
            secret_key: &self.config.secret_key,
        });
        let url = format!("{}://{host}{path}", endpoint.scheme());
        Ok(self
            .client
            .request(method, url)
            .header("x-amz-content-sha256", payload_sha256)
            .header("x-amz-date", amz_date)
            .header("authorization", signed.authorization))
    }

    fn failed(method: &'static str, key: &str, detail: impl fmt::Display) -> StorageError {
        StorageError::S3 {
            method,
            key: key.to_owned(),
            detail: detail.to_string(),
        }
    }
}

#[async_trait]
impl SlideStorage for S3Storage {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let hash = hex(&Sha256::digest(&bytes));
        let response = self
            .request(reqwest::Method::PUT, key, &hash)
            .map_err(|e| Self::failed("PUT", key, e))?
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
            .await
            .map_err(|e| Self::failed("PUT", key, e))?;
        if !response.status().is_success() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            return Err(Self::failed("PUT", key, format!("{status}: {text}")));
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Stored>, StorageError> {
        let response = self
            .request(reqwest::Method::GET, key, EMPTY_SHA256)
            .map_err(|e| Self::failed("GET", key, e))?
            .send()
            .await
            .map_err(|e| Self::failed("GET", key, e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            return Err(Self::failed("GET", key, format!("{status}: {text}")));
        }
        // Held in memory while it is sent on (reqwest is built without streaming here).
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Self::failed("GET", key, e))?;
        Ok(Some(Stored {
            len: bytes.len() as u64,
            body: Body::from(bytes),
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let response = self
            .request(reqwest::Method::DELETE, key, EMPTY_SHA256)
            .map_err(|e| Self::failed("DELETE", key, e))?
            .send()
            .await
            .map_err(|e| Self::failed("DELETE", key, e))?;
        if !response.status().is_success() && response.status() != reqwest::StatusCode::NOT_FOUND {
            return Err(Self::failed("DELETE", key, response.status()));
        }
        Ok(())
    }
}

/// SHA-256 of nothing, the payload hash of bodiless requests.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes as SigV4 wants: everything but `A–Z a–z 0–9 - . _ ~` (and `/` in keys).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a SigV4 signature covers.
struct SigningInput<'a> {
    method: &'a str,
    /// The URI-encoded path.
    canonical_uri: &'a str,
    /// The sorted, encoded query string (empty here).
    canonical_query: &'a str,
    /// Signed headers: lowercase names, sorted by name, values trimmed.
    headers: &'a [(&'a str, &'a str)],
    payload_sha256: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    amz_date: &'a str,
    region: &'a str,
    service: &'a str,
    access_key: &'a str,
    secret_key: &'a str,
}

/// A computed signature; the steps are kept for the test against AWS's example.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the intermediate steps are checked by the unit test"
    )
)]
struct Signed {
    canonical_request: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// AWS Signature Version 4 for one request
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>).
fn sigv4(input: &SigningInput<'_>) -> Signed {
    let canonical_headers: String = input
        .headers
        .iter()
        .map(|(n, v)| format!("{n}:{}\n", v.trim()))
        .collect();
    let signed_headers = input
        .headers
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        input.method, input.canonical_uri, input.canonical_query, input.payload_sha256
    );
    let date = &input.amz_date[..8.min(input.amz_date.len())];
    let scope = format!("{date}/{}/{}/aws4_request", input.region, input.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        input.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{}", input.secret_key).as_bytes(), date);
    let k_region = hmac(&k_date, input.region);
    let k_service = hmac(&k_region, input.service);
    let k_signing = hmac(&k_service, "aws4_request");
    let signature = hex(&hmac(&k_signing, &string_to_sign));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        input.access_key
    );
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "GET Object" example of AWS's S3 documentation ("Authenticating Requests: Using the
    /// Authorization Header", Signature Version 4): the first 10 bytes of `test.txt` in
    /// `examplebucket`, signed with the documented example keys.
    #[test]
    fn sigv4_matches_the_documented_s3_get_object_example() {
        let signed = sigv4(&SigningInput {
            method: "GET",
            canonical_uri: "/test.txt",
            canonical_query: "",
            headers: &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY_SHA256),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payload_sha256: EMPTY_SHA256,
            amz_date: "20130524T000000Z",
            region: "us-east-1",
            service: "s3",
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        });
        assert_eq!(
            signed.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(
            signed.signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn keys_are_encoded_segment_by_segment() {
        assert_eq!(
            uri_encode("slides/a b+c~d.pdf", true),
            "slides/a%20b%2Bc~d.pdf"
        );
        assert_eq!(uri_encode("my/bucket", false), "my%2Fbucket");
    }

    #[test]
    fn disk_keys_cannot_leave_the_root() {
        let disk = DiskStorage {
            root: PathBuf::from("/data"),
        };
        for bad in [
            "",
            "../x.pdf",
            "slides/../../etc/passwd",
            "/abs",
            "slides//x",
            "a\\b",
        ] {
            assert!(disk.path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            disk.path("slides/x.pdf").unwrap(),
            PathBuf::from("/data/slides/x.pdf")
        );
    }

    #[tokio::test]
    async fn a_put_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let disk = DiskStorage {
            root: dir.path().to_owned(),
        };
        disk.put("slides/a.pdf", Bytes::from_static(b"one"))
            .await
            .unwrap();
        disk.put("slides/a.pdf", Bytes::from_static(b"two!"))
            .await
            .unwrap();
        let stored = disk.get("slides/a.pdf").await.unwrap().unwrap();
        assert_eq!(stored.len, 4);
        let names: Vec<_> = std::fs::read_dir(dir.path().join("slides"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["a.pdf".to_owned()]);
        assert_eq!(
            std::fs::read(dir.path().join("slides/a.pdf")).unwrap(),
            b"two!"
        );
        disk.delete("slides/a.pdf").await.unwrap();
        disk.delete("slides/a.pdf").await.unwrap();
        assert!(disk.get("slides/a.pdf").await.unwrap().is_none());
    }
}
