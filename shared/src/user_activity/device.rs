//! `device_type` and `is_api`: what the client says it is, else what its User-Agent shows.
//!
//! The rule: a client may say `desktop`, `mobile`, `tablet`, `api` or `unknown`. Otherwise a
//! User-Agent of a programmatic HTTP client (curl, Wget, python-requests, Python's urllib, aiohttp,
//! httpx, Go's, Java's, okhttp, axios, node-fetch, undici, Postman, an AWS SDK, reqwest) is `api`;
//! an iPad, an Android without "Mobile" or anything saying "Tablet" is `tablet`; "Mobile", an
//! iPhone or an Android is `mobile`; a browser on Windows, macOS, Linux or ChromeOS is `desktop`;
//! anything else, or no User-Agent, `unknown`. `is_api` is true exactly when the device is `api`:
//! a page in a browser is never the API, a script is.

use serde::{Deserialize, Serialize};

/// The kind of device an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceType {
    /// A desktop or laptop browser.
    Desktop,
    /// A phone.
    Mobile,
    /// A tablet.
    Tablet,
    /// A program calling the API.
    Api,
    /// Not known.
    Unknown,
}

/// User-Agent prefixes of programmatic HTTP clients (compared case-insensitively).
const API_CLIENTS: [&str; 15] = [
    "curl/",
    "wget/",
    "python-requests/",
    "python-urllib/",
    "python-httpx/",
    "aiohttp/",
    "go-http-client/",
    "java/",
    "okhttp/",
    "axios/",
    "node-fetch/",
    "undici",
    "postmanruntime/",
    "aws-sdk-",
    "reqwest/",
];

impl DeviceType {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Desktop => "desktop",
            DeviceType::Mobile => "mobile",
            DeviceType::Tablet => "tablet",
            DeviceType::Api => "api",
            DeviceType::Unknown => "unknown",
        }
    }

    /// What the client said, else what `user_agent` shows.
    pub fn of(said: Option<DeviceType>, user_agent: Option<&str>) -> DeviceType {
        said.unwrap_or_else(|| DeviceType::from_user_agent(user_agent.unwrap_or_default()))
    }

    /// What a User-Agent shows (see the module's rule).
    pub fn from_user_agent(user_agent: &str) -> DeviceType {
        let ua = user_agent.trim();
        let lower = ua.to_ascii_lowercase();
        if ua.is_empty() {
            DeviceType::Unknown
        } else if API_CLIENTS.iter().any(|client| lower.starts_with(client)) {
            DeviceType::Api
        } else if ua.contains("iPad") || ua.contains("Tablet") || (ua.contains("Android") && !ua.contains("Mobile")) {
            DeviceType::Tablet
        } else if ua.contains("Mobile") || ua.contains("iPhone") || ua.contains("Android") {
            DeviceType::Mobile
        } else if ua.starts_with("Mozilla/")
            && ["Windows", "Macintosh", "X11", "Linux", "CrOS"].iter().any(|os| ua.contains(os))
        {
            DeviceType::Desktop
        } else {
            DeviceType::Unknown
        }
    }

    /// Whether the event came from a machine client.
    pub fn is_api(self) -> bool {
        self == DeviceType::Api
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_what_the_client_says_else_what_the_user_agent_shows() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
                DeviceType::Desktop,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
                DeviceType::Desktop,
            ),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148", DeviceType::Mobile),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36", DeviceType::Mobile),
            ("Mozilla/5.0 (Linux; Android 13; SM-X710) Chrome/126.0 Safari/537.36", DeviceType::Tablet),
            ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Mobile/15E148", DeviceType::Tablet),
            ("curl/8.5.0", DeviceType::Api),
            ("python-requests/2.32.3", DeviceType::Api),
            ("Go-http-client/2.0", DeviceType::Api),
            ("", DeviceType::Unknown),
            ("SomethingElse/1.0", DeviceType::Unknown),
        ];
        for (ua, want) in cases {
            assert_eq!(DeviceType::of(None, Some(ua)), want, "{ua}");
        }
        assert_eq!(
            DeviceType::of(Some(DeviceType::Tablet), Some("curl/8")),
            DeviceType::Tablet,
            "the client's word wins"
        );
        assert_eq!(DeviceType::of(None, None), DeviceType::Unknown);
        assert!(DeviceType::Api.is_api() && !DeviceType::Desktop.is_api());
    }
}
