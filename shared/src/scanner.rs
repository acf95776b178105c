//! Tells a person following a tracked link (`GET /r/{token}`) from a machine opening it.
//!
//! E-mail security gateways open every link in a message within seconds of delivery to check the
//! target: Microsoft Defender for Office 365 Safe Links, Proofpoint URL Defense / TAP, Mimecast URL
//! Protect, Barracuda Link Protection and their peers, plus the link-preview and prefetch bots of
//! chat and mail clients. Those hits still get their redirect (a scanner that sees an error may flag
//! the whole blast as suspicious), but they must never count as the recipient's first access.
//!
//! [`Rules::classify`] looks at what a single request shows about itself and returns the first
//! [`Signal`] that marks it automated, checked in this order, or `None` when nothing does (the
//! judge then decides from the hits around it, [`crate::hit_judgement`]):
//!
//! 1. [`Signal::HeadRequest`]: a person clicking a link makes the browser issue `GET`. `HEAD` is what
//!    link checkers and pre-flight probes send to learn whether the target exists without fetching
//!    it, so it is never a click. Cheapest and most certain, hence first.
//! 2. [`Signal::ScannerUserAgent`]: some scanners and every well-behaved preview bot name themselves
//!    in `User-Agent` (`Barracuda Sentinel (EE)`, `SkypeUriPreview`, `Slackbot-LinkExpanding`, ...).
//!    Only explicit markers count: plain HTTP client libraries (curl, python-requests,
//!    Go-http-client, reqwest) and a missing header are *not* evidence, because recipients' own
//!    tools and our test clients send exactly those.
//! 3. [`Signal::ScannerNetwork`]: the big gateways mostly pretend to be a desktop Chrome, so the
//!    user agent says nothing; the source address does. The built-in list holds only egress ranges
//!    the vendors themselves publish (see `BUILTIN_NETWORKS`); operators add what they observe,
//!    e.g. Microsoft's undocumented detonation range, through [`Rules::with_extra_networks`].
//!    Loopback, private, link-local and shared (CGNAT) addresses never match the built-in list.
//!
//! The signals that need the hits around a hit ([`Signal::Burst`], [`Signal::BlastBurst`],
//! [`Signal::TooSoonAfterSend`]) are the judge's. These rules are cheap and stateless: the redirect
//! answers after at most one round trip to DynamoDB.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a redirect request shows about itself.
#[derive(Debug, Clone, Default)]
pub struct Hit<'a> {
    /// The HTTP method as received, e.g. `"GET"` or `"HEAD"`; compared case-insensitively.
    pub method: &'a str,
    /// The `User-Agent` header, if the request carried one.
    pub user_agent: Option<&'a str>,
    /// The client address as seen by the edge; an IPv4-mapped IPv6 address is matched as IPv4.
    pub source_ip: Option<IpAddr>,
}

/// Why a hit was judged automated: a stable snake_case code for storage and a human sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// The request used `HEAD`, which link checkers send and browsers following a click never do.
    HeadRequest,
    /// The `User-Agent` names a known e-mail security scanner or link-preview/prefetch bot.
    ScannerUserAgent,
    /// The request came from a network a scanning service publishes as its egress, or one configured.
    ScannerNetwork,
    /// Several distinct links of the same recipient were opened within a few moments.
    Burst,
    /// The link was opened sooner after the send than a person could have read the message.
    TooSoonAfterSend,
    /// Many recipients of the blast opened its links within a few moments: a scanner walking the
    /// distribution list.
    BlastBurst,
}

impl Signal {
    /// Every signal.
    pub const ALL: [Signal; 6] = [
        Signal::HeadRequest,
        Signal::ScannerUserAgent,
        Signal::ScannerNetwork,
        Signal::Burst,
        Signal::TooSoonAfterSend,
        Signal::BlastBurst,
    ];

    /// The stable snake_case code stored with the hit; never change an existing one.
    pub fn code(self) -> &'static str {
        match self {
            Signal::HeadRequest => "head_request",
            Signal::ScannerUserAgent => "scanner_user_agent",
            Signal::ScannerNetwork => "scanner_network",
            Signal::Burst => "burst",
            Signal::TooSoonAfterSend => "too_soon_after_send",
            Signal::BlastBurst => "blast_burst",
        }
    }

    /// The signal stored under `code`, or `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|signal| signal.code() == code)
    }

    /// A sentence explaining the signal to a person reading an activity report.
    pub fn description(self) -> &'static str {
        match self {
            Signal::HeadRequest => "The link was probed with a HEAD request, which browsers never send for a click.",
            Signal::ScannerUserAgent => {
                "The request identified itself as an e-mail security scanner or link-preview bot."
            }
            Signal::ScannerNetwork => "The request came from a network used by an e-mail security scanning service.",
            Signal::Burst => "Several links of the same e-mail were opened at once, as a link scanner does.",
            Signal::TooSoonAfterSend => {
                "The link was opened within seconds of sending, before a person could have read the e-mail."
            }
            Signal::BlastBurst => "Many recipients' links were opened within moments of each other, as a scanner does.",
        }
    }
}

impl fmt::Display for Signal {
    /// Writes the human sentence; use [`Signal::code`] for storage.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Tunables of the classification; [`Rules::default`] holds the production defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules {
    /// Extra scanner networks as (network address, prefix length), on top of the built-in list.
    /// Default empty; filled from configuration with [`Rules::with_extra_networks`]. Unlike the
    /// built-in list these match any address, private ranges included, because the operator asked.
    pub extra_networks: Vec<(IpAddr, u8)>,
}

impl Rules {
    /// Parses extra scanner networks from a comma-separated CIDR list ("203.0.113.0/24, 2001:db8::/32")
    /// and appends them to [`Rules::extra_networks`]; a clear `Err(String)` on a bad entry.
    ///
    /// Whitespace around entries is ignored, as are empty entries (so an empty string or a trailing
    /// comma is fine). A bare address counts as a single host (`/32` or `/128`). An entry with bits
    /// set below the prefix (`10.0.0.1/24`) is rejected rather than silently widened, because it is
    /// almost always a typo. IPv4-mapped IPv6 networks (`::ffff:192.0.2.0/120`) are stored as IPv4.
    pub fn with_extra_networks(mut self, spec: &str) -> Result<Rules, String> {
        for entry in spec.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let network = parse_cidr(entry).map_err(|why| format!("bad scanner network {entry:?}: {why}"))?;
            self.extra_networks.push(network);
        }
        Ok(self)
    }

    /// The first signal this hit shows about itself (`HEAD`, a scanner's user agent or network), or
    /// `None`.
    pub fn classify(&self, hit: &Hit<'_>) -> Option<Signal> {
        if hit.method.trim().eq_ignore_ascii_case("HEAD") {
            return Some(Signal::HeadRequest);
        }
        if hit.user_agent.is_some_and(is_scanner_user_agent) {
            return Some(Signal::ScannerUserAgent);
        }
        if hit.source_ip.is_some_and(|ip| self.is_scanner_network(ip)) {
            return Some(Signal::ScannerNetwork);
        }
        None
    }

    /// Whether `ip` lies in a configured extra network or, unless it is a local/private address,
    /// in the built-in list.
    fn is_scanner_network(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        if self.extra_networks.iter().any(|&(network, prefix)| contains(network, prefix, ip)) {
            return true;
        }
        !is_local_or_private(ip)
            && BUILTIN_NETWORKS.iter().any(|&(network, prefix, _service)| contains(network, prefix, ip))
    }
}

/// Case-insensitive substrings of `User-Agent` that only automated fetchers send. Keep it short and
/// specific: a marker that also occurs in a browser or a plain HTTP library hides real people.
/// Deliberately absent: `curl`, `python-requests`, `go-http-client`, `reqwest`, `okhttp` (people and
/// our tests use them), `ms-office` / `microsoft outlook` (Outlook's embedded browser sends them),
/// a bare `bot` (the Cubot phone brand), `whatsapp` / `fban` (in-app browsers of real people).
const SCANNER_USER_AGENT_MARKERS: &[&str] = &[
    // Microsoft Defender for Office 365 Safe Links; its detonation usually poses as Chrome, which is
    // what the network signal is for, but the names appear in some of its and its peers' probes.
    "safelinks",
    "safe links",
    "microsoft office protection",
    // Microsoft Office pre-flight probes sent before a document link is handed to the browser
    // ("Microsoft Office Existence Discovery", "Microsoft Office Protocol Discovery"); the browser's
    // own GET follows and is the real click.
    "office existence discovery",
    "office protocol discovery",
    // Proofpoint URL Defense / Targeted Attack Protection (rewrites to urldefense.proofpoint.com).
    "proofpoint",
    "urldefense",
    // Mimecast URL Protect / Targeted Threat Protection ("Mimecast-Link-Protect" and similar).
    "mimecast",
    // Barracuda Link Protection and Impersonation Protection ("Barracuda Sentinel (EE)").
    "barracuda",
    // Cisco Secure Email (IronPort) URL filtering.
    "ironport",
    // Link previews: Teams/Skype, Outlook.com/Bing, Slack, Facebook/iMessage, X, LinkedIn, Discord,
    // Telegram.
    "skypeuripreview",
    "bingpreview",
    "slackbot",
    "facebookexternalhit",
    "twitterbot",
    "linkedinbot",
    "discordbot",
    "telegrambot",
    // Generic self-declared crawlers and checkers ("Googlebot/2.1", "bingbot/2.0", "AhrefsBot/7.0").
    "bot/",
    "crawler",
    "spider",
    "scanner",
    "urlscan",
    "linkcheck",
    // Headless browsers used by sandboxes that detonate links; people browse with a head.
    "headlesschrome",
    "phantomjs",
];

/// Whether the user agent carries one of [`SCANNER_USER_AGENT_MARKERS`]. An empty header is no
/// evidence either way.
fn is_scanner_user_agent(user_agent: &str) -> bool {
    let user_agent = user_agent.to_ascii_lowercase();
    SCANNER_USER_AGENT_MARKERS.iter().any(|marker| user_agent.contains(marker))
}

const fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

const fn v6(a: u16, b: u16, c: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0))
}

/// Published egress networks of e-mail security scanning services: (network, prefix, service).
///
/// Only ranges the vendor documents for its mail-protection service are listed, so an ordinary
/// cloud customer is never mistaken for a scanner. Vendors change these; review them with the
/// sources named here, and add observed ranges through configuration rather than here.
const BUILTIN_NETWORKS: &[(IpAddr, u8, &str)] = &[
    // Microsoft Exchange Online Protection, which runs Defender for Office 365 Safe Links: the
    // "*.mail.protection.outlook.com" row of "Microsoft 365 URLs and IP address ranges"
    // (learn.microsoft.com, endpoints.office.com web service), also spf.protection.outlook.com.
    // Safe Links detonations are also widely seen from 40.94.0.0/16, which Microsoft does not
    // document (MicrosoftDocs/OfficeDocs-Enterprise#544); add it via configuration if wanted.
    (v4(40, 92, 0, 0), 15, "Microsoft Exchange Online Protection"),
    (v4(40, 107, 0, 0), 16, "Microsoft Exchange Online Protection"),
    (v4(52, 100, 0, 0), 14, "Microsoft Exchange Online Protection"),
    (v4(104, 47, 0, 0), 17, "Microsoft Exchange Online Protection"),
    (v6(0x2a01, 0x111, 0xf400), 48, "Microsoft Exchange Online Protection"),
    (v6(0x2a01, 0x111, 0xf403), 48, "Microsoft Exchange Online Protection"),
    // Proofpoint (Protection Server / Essentials / TAP URL Defense): ranges from Proofpoint's
    // customer allow-list documentation; 67.231.144.0/20 and 148.163.128.0/19 are AS26211.
    (v4(67, 231, 144, 0), 20, "Proofpoint"),
    (v4(148, 163, 128, 0), 19, "Proofpoint"),
    (v4(205, 220, 160, 0), 19, "Proofpoint"),
    (v4(66, 159, 224, 0), 19, "Proofpoint"),
    (v4(185, 183, 28, 0), 22, "Proofpoint"),
    (v4(185, 132, 180, 0), 22, "Proofpoint"),
    (v4(91, 207, 212, 0), 23, "Proofpoint"),
    (v4(62, 209, 50, 0), 23, "Proofpoint"),
    (v4(91, 209, 104, 0), 24, "Proofpoint"),
    // Mimecast (URL Protect / Targeted Threat Protection): "Mimecast Data Centers and URLs",
    // United States and United Kingdom grids.
    (v4(205, 139, 110, 0), 23, "Mimecast US"),
    (v4(207, 211, 30, 0), 24, "Mimecast US"),
    (v4(207, 211, 31, 0), 25, "Mimecast US"),
    (v4(216, 205, 24, 0), 24, "Mimecast US"),
    (v4(63, 128, 21, 0), 24, "Mimecast US"),
    (v4(170, 10, 128, 0), 22, "Mimecast US"),
    (v4(170, 10, 132, 0), 23, "Mimecast US"),
    (v4(195, 130, 217, 0), 24, "Mimecast UK"),
    (v4(91, 220, 42, 0), 24, "Mimecast UK"),
    (v4(146, 101, 78, 0), 24, "Mimecast UK"),
    (v4(185, 58, 85, 0), 24, "Mimecast UK"),
    (v4(185, 58, 86, 0), 24, "Mimecast UK"),
    // Barracuda Email Security Service / Email Gateway Defense (Link Protection): "Barracuda Email
    // Security Service IP Ranges" on campus.barracuda.com, US instance; 64.235.144.0/20 is ARIN
    // NET-64-235-144-0-1, Barracuda Networks.
    (v4(64, 235, 144, 0), 20, "Barracuda Email Security Service"),
    (v4(209, 222, 80, 0), 21, "Barracuda Email Security Service"),
];

/// Addresses that can never be a scanning service's egress: loopback, unspecified, RFC 1918
/// private, shared (CGNAT) space, link-local, broadcast, IPv6 unique-local and link-local.
fn is_local_or_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            ip.is_loopback() || ip.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Whether `ip` lies in `network/prefix`; addresses of the other family never do.
fn contains(network: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (network, ip) {
        (IpAddr::V4(network), IpAddr::V4(ip)) => {
            let mask = mask_v4(prefix);
            u32::from(network) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(ip)) => {
            let mask = mask_v6(prefix);
            u128::from(network) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0)
}

/// Parses `address[/prefix]` into a network, rejecting out-of-range prefixes and host bits.
fn parse_cidr(entry: &str) -> Result<(IpAddr, u8), String> {
    let (address, prefix) = match entry.split_once('/') {
        Some((address, prefix)) => (address.trim(), Some(prefix.trim())),
        None => (entry, None),
    };
    let address: IpAddr = address.parse().map_err(|_| format!("{address:?} is not an IPv4 or IPv6 address"))?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(prefix) => match prefix.parse::<u8>() {
            Ok(prefix) if prefix <= max => prefix,
            _ => return Err(format!("prefix length {prefix:?} is not a number from 0 to {max}")),
        },
    };
    if network_of(address, prefix) != address {
        return Err(format!(
            "address has bits set below the /{prefix} prefix; did you mean {}/{prefix}?",
            network_of(address, prefix)
        ));
    }
    Ok(unmap(address, prefix))
}

/// The network address of `address/prefix` (host bits cleared).
fn network_of(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(ip) => IpAddr::V4(Ipv4Addr::from(u32::from(ip) & mask_v4(prefix))),
        IpAddr::V6(ip) => IpAddr::V6(Ipv6Addr::from(u128::from(ip) & mask_v6(prefix))),
    }
}

/// Stores an IPv4-mapped IPv6 network (`::ffff:a.b.c.d/96+`) as the IPv4 network it denotes, since
/// hit addresses are canonicalised to IPv4 before matching.
fn unmap(address: IpAddr, prefix: u8) -> (IpAddr, u8) {
    match address {
        IpAddr::V6(ip) if prefix >= 96 => match ip.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), prefix - 96),
            None => (address, prefix),
        },
        _ => (address, prefix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                          Chrome/124.0.0.0 Safari/537.36";
    const EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80";
    const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                              Version/17.4.1 Safari/605.1.15";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
                                 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";
    const CHROME_ANDROID_CUBOT: &str = "Mozilla/5.0 (Linux; Android 10; CUBOT X30 Build/QP1A.190711.020) \
                                        AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
    // Classic Outlook for Windows renders and opens links through its embedded (Word/IE) engine.
    const OUTLOOK_DESKTOP: &str = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; \
                                   .NET4.0C; .NET4.0E; Microsoft Outlook 16.0.17328; ms-office; MSOffice 16)";
    const CURL: &str = "curl/8.5.0";
    const PYTHON_REQUESTS: &str = "python-requests/2.31.0";
    const GO_HTTP: &str = "Go-http-client/1.1";
    const REQWEST: &str = "reqwest/0.12.4";

    /// A human-looking hit: a browser GET from a residential-looking address.
    fn human() -> Hit<'static> {
        Hit { method: "GET", user_agent: Some(CHROME), source_ip: Some(ip("198.51.100.23")) }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn classify(hit: &Hit<'_>) -> Option<Signal> {
        Rules::default().classify(hit)
    }

    #[test]
    fn the_baseline_hit_is_human() {
        assert_eq!(classify(&human()), None);
    }

    #[test]
    fn codes_are_stable_and_round_trip() {
        let codes: Vec<_> = Signal::ALL.into_iter().map(Signal::code).collect();
        assert_eq!(
            codes,
            ["head_request", "scanner_user_agent", "scanner_network", "burst", "too_soon_after_send", "blast_burst"]
        );
        for signal in Signal::ALL {
            assert_eq!(Signal::from_code(signal.code()), Some(signal));
            assert!(signal.to_string().ends_with('.'));
        }
        assert_eq!(Signal::from_code("bogus"), None);
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        assert!(Rules::default().extra_networks.is_empty());
    }

    // --- HeadRequest ---

    #[test]
    fn head_is_a_head_request_in_any_case() {
        for method in ["HEAD", "head", "Head"] {
            assert_eq!(classify(&Hit { method, ..human() }), Some(Signal::HeadRequest), "{method}");
        }
    }

    #[test]
    fn get_and_other_methods_are_not_head_requests() {
        for method in ["GET", "get", "POST", "HEADER", ""] {
            assert_eq!(classify(&Hit { method, ..human() }), None, "{method}");
        }
    }

    // --- ScannerUserAgent ---

    #[test]
    fn scanner_and_preview_user_agents_are_scanners() {
        for user_agent in [
            "Barracuda Sentinel (EE)",
            "Mimecast-Link-Protect",
            "Mozilla/5.0 (compatible; Proofpoint URL Defense)",
            "Microsoft Office Protection",
            "Mozilla/5.0 SafeLinks/1.0",
            "Microsoft Office Existence Discovery",
            "Mozilla/5.0 (compatible; SkypeUriPreview Preview/0.5)",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0",
        ] {
            let hit = Hit { user_agent: Some(user_agent), ..human() };
            assert_eq!(classify(&hit), Some(Signal::ScannerUserAgent), "{user_agent}");
        }
    }

    #[test]
    fn browsers_are_not_scanners() {
        for user_agent in [CHROME, EDGE, SAFARI_MAC, SAFARI_IPHONE, FIREFOX, CHROME_ANDROID_CUBOT, OUTLOOK_DESKTOP] {
            assert_eq!(classify(&Hit { user_agent: Some(user_agent), ..human() }), None, "{user_agent}");
        }
    }

    #[test]
    fn plain_http_clients_and_no_user_agent_are_not_scanners() {
        for user_agent in [Some(CURL), Some(PYTHON_REQUESTS), Some(GO_HTTP), Some(REQWEST), Some(""), None] {
            assert_eq!(classify(&Hit { user_agent, ..human() }), None, "{user_agent:?}");
        }
    }

    // --- ScannerNetwork ---

    #[test]
    fn published_scanner_networks_are_scanners() {
        for address in [
            "40.107.22.54",          // Microsoft EOP
            "104.47.30.126",         // Microsoft EOP (seen on Safe Links pre-fetches)
            "2a01:111:f403:c200::1", // Microsoft EOP, IPv6
            "::ffff:40.92.1.1",      // IPv4-mapped form of an EOP address
            "148.163.150.10",        // Proofpoint
            "67.231.152.7",          // Proofpoint
            "205.139.110.30",        // Mimecast US
            "91.220.42.9",           // Mimecast UK
            "64.235.150.1",          // Barracuda
            "209.222.82.250",        // Barracuda
        ] {
            let hit = Hit { source_ip: Some(ip(address)), ..human() };
            assert_eq!(classify(&hit), Some(Signal::ScannerNetwork), "{address}");
        }
    }

    #[test]
    fn ordinary_and_unknown_addresses_are_not_scanner_networks() {
        for source_ip in [Some(ip("198.51.100.23")), Some(ip("2001:db8::1")), Some(ip("40.94.1.1")), None] {
            assert_eq!(classify(&Hit { source_ip, ..human() }), None, "{source_ip:?}");
        }
    }

    #[test]
    fn local_and_private_addresses_never_match_the_builtin_list() {
        for address in [
            "127.0.0.1",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.5.4",
            "192.168.1.10",
            "169.254.1.1",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.10",
        ] {
            assert_eq!(classify(&Hit { source_ip: Some(ip(address)), ..human() }), None, "{address}");
        }
    }

    #[test]
    fn builtin_networks_are_well_formed_public_and_narrow() {
        for &(network, prefix, service) in BUILTIN_NETWORKS {
            assert!(!service.is_empty());
            assert_eq!(network_of(network, prefix), network, "{network}/{prefix} has host bits set");
            assert!(!is_local_or_private(network), "{network}/{prefix} is local");
            let min = if network.is_ipv4() { 12 } else { 32 };
            assert!(prefix >= min, "{network}/{prefix} ({service}) is too broad");
        }
    }

    #[test]
    fn extra_networks_match_in_both_families_and_may_cover_private_space() {
        let rules = Rules::default().with_extra_networks("203.0.113.0/24, 2001:db8::/32, 10.9.0.0/16").unwrap();
        for address in ["203.0.113.77", "2001:db8:1::5", "10.9.8.7", "::ffff:203.0.113.1"] {
            let hit = Hit { source_ip: Some(ip(address)), ..human() };
            assert_eq!(rules.classify(&hit), Some(Signal::ScannerNetwork), "{address}");
        }
        for address in ["203.0.114.1", "2001:db9::1", "10.10.0.1"] {
            assert_eq!(rules.classify(&Hit { source_ip: Some(ip(address)), ..human() }), None, "{address}");
        }
    }

    // --- Ordering ---

    #[test]
    fn a_head_from_a_scanner_network_reports_head_request() {
        let hit = Hit { method: "HEAD", source_ip: Some(ip("40.107.1.1")), ..human() };
        assert_eq!(classify(&hit), Some(Signal::HeadRequest));
    }

    #[test]
    fn signals_are_checked_in_order() {
        let everything =
            Hit { method: "HEAD", user_agent: Some("Barracuda Sentinel (EE)"), source_ip: Some(ip("64.235.150.1")) };
        assert_eq!(classify(&everything), Some(Signal::HeadRequest));
        let hit = Hit { method: "GET", ..everything.clone() };
        assert_eq!(classify(&hit), Some(Signal::ScannerUserAgent));
        let hit = Hit { user_agent: Some(CHROME), ..hit };
        assert_eq!(classify(&hit), Some(Signal::ScannerNetwork));
        let hit = Hit { source_ip: Some(ip("198.51.100.23")), ..hit };
        assert_eq!(classify(&hit), None);
    }

    #[test]
    fn an_empty_hit_is_human() {
        assert_eq!(classify(&Hit::default()), None);
    }

    // --- Configuration parsing ---

    #[test]
    fn extra_networks_parse_with_whitespace_empty_entries_and_bare_hosts() {
        let rules = Rules::default()
            .with_extra_networks(" 203.0.113.0/24 ,2001:db8::/32,, 198.51.100.7 , ::ffff:192.0.2.0/120, ")
            .unwrap();
        assert_eq!(
            rules.extra_networks,
            [(ip("203.0.113.0"), 24), (ip("2001:db8::"), 32), (ip("198.51.100.7"), 32), (ip("192.0.2.0"), 24),]
        );
        assert!(Rules::default().with_extra_networks("").unwrap().extra_networks.is_empty());
        assert!(Rules::default().with_extra_networks("  ").unwrap().extra_networks.is_empty());
    }

    #[test]
    fn extra_networks_accumulate_across_calls() {
        let rules = Rules::default().with_extra_networks("203.0.113.0/24").unwrap();
        let rules = rules.with_extra_networks("2001:db8::/32").unwrap();
        assert_eq!(rules.extra_networks.len(), 2);
    }

    #[test]
    fn bad_extra_networks_are_clear_errors() {
        for (spec, expected) in [
            ("203.0.113.0/33", "prefix length \"33\" is not a number from 0 to 32"),
            ("2001:db8::/129", "prefix length \"129\" is not a number from 0 to 128"),
            ("203.0.113.0/", "prefix length \"\" is not a number"),
            ("203.0.113.0/abc", "prefix length \"abc\""),
            ("203.0.113.0/-1", "prefix length \"-1\""),
            ("203.0.113/24", "\"203.0.113\" is not an IPv4 or IPv6 address"),
            ("scanner.example.com", "is not an IPv4 or IPv6 address"),
            ("/24", "\"\" is not an IPv4 or IPv6 address"),
            ("203.0.113.9/24", "did you mean 203.0.113.0/24?"),
            ("2001:db8::1/32", "did you mean 2001:db8::/32?"),
        ] {
            let error = Rules::default().with_extra_networks(&format!("198.51.100.0/24, {spec}")).unwrap_err();
            assert!(error.contains(expected), "{spec}: {error}");
            assert!(error.contains(&format!("{:?}", spec.trim())), "{spec}: {error} names the entry");
        }
    }
}
