//! The lake's bucket: Parquet objects written, listed, read and deleted (server-side encrypted,
//! as every object of the stack's buckets).

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use bytes::Bytes;
use shared::config::{self, ConfigError};
use shared::store::sdk_error;
use shared::{Error, Result};

/// The content type of a Parquet object.
pub const PARQUET: &str = "application/vnd.apache.parquet";

/// The S3 client and the lake's bucket.
#[derive(Debug, Clone)]
pub struct LakeBucket {
    client: aws_sdk_s3::Client,
    name: String,
}

impl LakeBucket {
    /// The bucket `LAKE_BUCKET` (else `BUCKET_NAME`); `S3_FORCE_PATH_STYLE=true` for stand-ins.
    pub fn from_env(sdk: &shared::store::SdkConfig) -> Result<Self, ConfigError> {
        let name = match std::env::var("LAKE_BUCKET") {
            Ok(name) if !name.is_empty() => name,
            _ => config::required("BUCKET_NAME")?,
        };
        Ok(LakeBucket::new(sdk, name, config::or("S3_FORCE_PATH_STYLE", "false") == "true"))
    }

    /// The bucket `name`, addressed by path when `path_style`.
    pub fn new(sdk: &shared::store::SdkConfig, name: String, path_style: bool) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).build();
        LakeBucket { client: aws_sdk_s3::Client::from_conf(conf), name }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its client.
    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    /// Writes (or replaces) a Parquet object.
    pub async fn put(&self, key: &str, body: Vec<u8>) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(PARQUET)
            .server_side_encryption(ServerSideEncryption::Aes256)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| sdk_error("writing a lake file", e))?;
        Ok(())
    }

    /// Every key under `prefix`.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(&self.name).prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("listing lake files", e))?;
            keys.extend(page.contents.unwrap_or_default().into_iter().filter_map(|o| o.key));
        }
        Ok(keys)
    }

    /// An object's bytes.
    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let out = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| sdk_error("reading a lake file", e))?;
        let body = out.body.collect().await.map_err(|e| Error::internal("reading a lake file", e.to_string()))?;
        Ok(body.into_bytes())
    }

    /// Deletes `keys`, eight at a time (one DeleteObject each: a day holds a few hundred files
    /// at most, and each delete is then checked by IAM against the object it names).
    pub async fn delete(&self, keys: &[String]) -> Result<()> {
        use futures::{StreamExt, TryStreamExt};
        futures::stream::iter(keys.iter().cloned().map(|key| {
            let (client, bucket) = (self.client.clone(), self.name.clone());
            async move {
                client
                    .delete_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_error("deleting a lake file", e))
            }
        }))
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
        Ok(())
    }
}
