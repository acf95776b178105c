//! A TCP proxy in front of the local AWS stand-in that a test can take down (connections
//! refused) or make hang (connections accepted, never answered), to see how the service behaves
//! when DynamoDB and S3 are unavailable or slow.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forwards to the stand-in.
    Up,
    /// Closes every connection at once, as a stopped service would refuse them.
    Down,
    /// Accepts connections and never answers, as an overloaded service would.
    Hang,
}

/// A running proxy.
pub struct FaultProxy {
    /// `http://127.0.0.1:{port}`, to use as the SDK's endpoint.
    pub url: String,
    mode: watch::Sender<Mode>,
}

impl FaultProxy {
    /// Starts a proxy to `target`, forwarding.
    pub async fn start(target: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let (mode, watcher) = watch::channel(Mode::Up);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut watcher = watcher.clone();
                let current = *watcher.borrow_and_update();
                match current {
                    Mode::Down => drop(client),
                    Mode::Hang => {
                        tokio::spawn(async move {
                            let _held = client;
                            let _ = watcher.changed().await;
                        });
                    }
                    Mode::Up => {
                        tokio::spawn(forward(client, target, watcher));
                    }
                }
            }
        });
        FaultProxy { url, mode }
    }

    /// Switches the mode; open connections are cut so pooled ones see the change too.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

async fn forward(mut client: TcpStream, target: SocketAddr, mut watcher: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(target).await else { return };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = watcher.changed() => {}
    }
}

/// The stand-in's address from `AWS_ENDPOINT_URL`.
pub fn stand_in_address() -> SocketAddr {
    let url = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    host.parse().expect("AWS_ENDPOINT_URL is http://127.0.0.1:PORT")
}
