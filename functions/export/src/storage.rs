//! The reports bucket: S3 clients configured once, multipart uploads with bounded memory, and
//! short-lived presigned downloads.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use shared::config::{self, ConfigError};
use shared::store::sdk_error;
use shared::{Error, Result};

/// Parts are uploaded once this much is buffered (S3's minimum part size is 5 MiB).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// The S3 client and bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
}

impl Bucket {
    /// The bucket `BUCKET_NAME`; `S3_FORCE_PATH_STYLE=true` for local stand-ins without DNS.
    pub fn from_env(sdk: &shared::store::SdkConfig) -> Result<Self, ConfigError> {
        let path_style = config::or("S3_FORCE_PATH_STYLE", "false") == "true";
        Ok(Bucket::new(sdk, config::required("BUCKET_NAME")?, path_style))
    }

    /// The bucket `name`, addressed by path (`endpoint/bucket/key`) when `path_style`.
    pub fn new(sdk: &shared::store::SdkConfig, name: String, path_style: bool) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).build();
        Bucket { client: aws_sdk_s3::Client::from_conf(conf), name }
    }

    /// Writes a whole (small) object.
    pub async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .server_side_encryption(ServerSideEncryption::Aes256)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| sdk_error("writing a query's answer", e))?;
        Ok(())
    }

    /// A whole object, `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.client.get_object().bucket(&self.name).key(key).send().await {
            Ok(out) => {
                let body =
                    out.body.collect().await.map_err(|e| Error::internal("reading a query's answer", e.to_string()))?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(err) => Err(sdk_error("reading a query's answer", err)),
        }
    }

    /// The client.
    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    /// The bucket name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A presigned GET of `key`, valid for `ttl`, that downloads as `filename`.
    pub async fn presign(&self, key: &str, filename: &str, ttl: Duration) -> Result<String> {
        let presigning = PresigningConfig::expires_in(ttl).map_err(|e| Error::internal("presigning config", e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .response_content_disposition(shared::download_name::content_disposition(filename))
            .presigned(presigning)
            .await
            .map_err(|e| Error::internal("presigning a download", e))?;
        Ok(request.uri().to_owned())
    }
}

/// A byte buffer the report writers write into and the upload drains.
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// Takes what is buffered when it is at least `min` bytes.
    pub fn take_if(&self, min: usize) -> Option<Vec<u8>> {
        let mut buf = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        (buf.len() >= min).then(|| std::mem::take(&mut *buf))
    }

    /// Bytes buffered now.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An S3 multipart upload fed from a [`SharedBuffer`] part by part.
#[derive(Debug)]
pub struct Upload {
    bucket: Bucket,
    key: String,
    upload_id: String,
    parts: Vec<CompletedPart>,
    bytes: u64,
    /// Most bytes ever held in the buffer at a flush: the memory a generation needed.
    pub peak_buffered: usize,
}

impl Upload {
    /// Starts a multipart upload of `key`.
    pub async fn start(bucket: &Bucket, key: &str, content_type: &str) -> Result<Self> {
        let out = bucket
            .client
            .create_multipart_upload()
            .bucket(&bucket.name)
            .key(key)
            .content_type(content_type)
            .server_side_encryption(ServerSideEncryption::Aes256)
            .send()
            .await
            .map_err(|e| sdk_error("starting an upload", e))?;
        let upload_id = out.upload_id.ok_or_else(|| Error::internal("starting an upload", "no upload id"))?;
        Ok(Upload {
            bucket: bucket.clone(),
            key: key.to_owned(),
            upload_id,
            parts: Vec::new(),
            bytes: 0,
            peak_buffered: 0,
        })
    }

    /// Uploads a part when enough is buffered.
    pub async fn flush(&mut self, buffer: &SharedBuffer) -> Result<()> {
        self.peak_buffered = self.peak_buffered.max(buffer.len());
        match buffer.take_if(PART_BYTES) {
            Some(part) => self.put_part(part).await,
            None => Ok(()),
        }
    }

    async fn put_part(&mut self, part: Vec<u8>) -> Result<()> {
        let number = i32::try_from(self.parts.len() + 1).map_err(|e| Error::internal("numbering a part", e))?;
        self.bytes += part.len() as u64;
        let out = self
            .bucket
            .client
            .upload_part()
            .bucket(&self.bucket.name)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .body(ByteStream::from(part))
            .send()
            .await
            .map_err(|e| sdk_error("uploading a part", e))?;
        self.parts.push(CompletedPart::builder().part_number(number).set_e_tag(out.e_tag).build());
        Ok(())
    }

    /// Uploads the rest of `buffer` as the last part and completes the upload; answers the size.
    pub async fn complete(mut self, buffer: &SharedBuffer) -> Result<u64> {
        self.peak_buffered = self.peak_buffered.max(buffer.len());
        let rest = buffer.take_if(0).unwrap_or_default();
        if !rest.is_empty() || self.parts.is_empty() {
            self.put_part(rest).await?;
        }
        self.bucket
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket.name)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(self.parts)).build())
            .send()
            .await
            .map_err(|e| sdk_error("completing an upload", e))?;
        Ok(self.bytes)
    }

    /// Abandons the upload so no parts linger (the bucket's lifecycle rule is the backstop).
    pub async fn abort(self) {
        let result = self
            .bucket
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket.name)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .send()
            .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, key = self.key, "could not abort a multipart upload");
        }
    }
}

/// Creates the bucket if missing (local stand-in only; on AWS the template creates it).
pub async fn create_bucket_if_missing(bucket: &Bucket) -> Result<()> {
    match bucket.client.create_bucket().bucket(&bucket.name).send().await {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) =>
        {
            Ok(())
        }
        Err(err) => Err(sdk_error("creating the bucket", err)),
    }
}

/// How long presigned downloads last: `EXPORT_URL_TTL_SECONDS`, default 900 (15 minutes).
pub fn url_ttl_from_env() -> Result<Duration, ConfigError> {
    let secs = config::number("EXPORT_URL_TTL_SECONDS", 900)?;
    if !(60..=3600).contains(&secs) {
        return Err(ConfigError("EXPORT_URL_TTL_SECONDS must be between 60 and 3600".into()));
    }
    Ok(Duration::from_secs(secs))
}
