//! The one error type of the service: a stable `code`, an HTTP status, the internal chain for the
//! logs, and only `{"error": {"code", "message"}}` for the client.

use http::StatusCode;

/// A boxed source error, kept for logging and never shown to clients.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with this crate's [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is not JSON, or a query parameter cannot be read.
    #[error("{0}")]
    BadRequest(String),
    /// The body is JSON but breaks the schema or a rule.
    #[error("{0}")]
    Validation(String),
    /// No credentials, or credentials that do not verify.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but the caller's role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing here, or nothing the caller may know exists.
    #[error("{0}")]
    NotFound(String),
    /// The path exists, but not with this method.
    #[error("{method} is not allowed here; allowed: {allow}")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
        /// The path's methods, as the `Allow` header lists them.
        allow: String,
    },
    /// The body is larger than the route accepts.
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A dependency (DynamoDB, S3) did not answer in time or refused for load.
    #[error("{context}")]
    Unavailable {
        /// What we were doing.
        context: String,
        /// Why it failed.
        #[source]
        source: BoxError,
    },
    /// A bug or an unexpected answer from a dependency.
    #[error("{context}")]
    Internal {
        /// What we were doing.
        context: String,
        /// Why it failed.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::Validation(_) => "validation_failed",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::MethodNotAllowed { .. } => "method_not_allowed",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::Unavailable { .. } => "unavailable",
            Error::Internal { .. } => "internal",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client may see: never the internal chain.
    pub fn public_message(&self) -> String {
        match self {
            Error::Unavailable { .. } => "a dependency is unavailable, retry later".into(),
            Error::Internal { .. } => "internal error".into(),
            other => other.to_string(),
        }
    }

    /// Shorthand for [`Error::Validation`].
    pub fn validation(msg: impl Into<String>) -> Self {
        Error::Validation(msg.into())
    }

    /// Shorthand for [`Error::Internal`].
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Internal { context: context.into(), source: source.into() }
    }

    /// The full cause chain, for logs.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cur = std::error::Error::source(self);
        while let Some(err) = cur {
            out.push_str(": ");
            out.push_str(&err.to_string());
            cur = err.source();
        }
        out
    }
}
