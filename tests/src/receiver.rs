//! A webhook receiver on a local port: records every request it gets (headers and body) and
//! answers as told: 200, a few 500s first, or not at all (it hangs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// 200 every time.
    Accept,
    /// 500 the first `n` times, then 200.
    FailFirst(usize),
    /// Never answers (holds the connection for a minute).
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its headers, lower-case names.
    pub headers: HashMap<String, String>,
    /// Its body, as sent.
    pub body: Vec<u8>,
}

/// A running receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:{port}/hook`.
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts a receiver answering as `behaviour` says.
    pub async fn start(behaviour: Behaviour) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let seen = seen.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let seen = seen.clone();
                        async move {
                            let headers = req
                                .headers()
                                .iter()
                                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
                                .collect();
                            let body =
                                req.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
                            let count = {
                                let mut all = seen.lock().expect("requests");
                                all.push(Received { headers, body });
                                all.len()
                            };
                            let status = match behaviour {
                                Behaviour::Accept => 200,
                                Behaviour::FailFirst(n) if count <= n => 500,
                                Behaviour::FailFirst(_) => 200,
                                Behaviour::Hang => {
                                    tokio::time::sleep(Duration::from_secs(60)).await;
                                    200
                                }
                            };
                            let res =
                                hyper::Response::builder().status(status).body(Full::new(Bytes::from_static(b"ok")));
                            Ok::<_, std::convert::Infallible>(res.expect("response"))
                        }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Receiver { url, got }
    }

    /// What it got so far.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().expect("requests").clone()
    }

    /// Waits until it got `n` requests (fails the test after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let started = std::time::Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(started.elapsed() < within, "the receiver got {} of {n} requests within {within:?}", got.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
