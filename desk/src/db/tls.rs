//! TLS to the clinic's server, done by the app itself rather than by the driver.
//!
//! sqlx's TLS trusts every public root certificate bundled with it (or the system's) besides the CA
//! file a profile names, so under `verify-ca` and `verify-full` any publicly issued certificate
//! would pass. sqlx is therefore built without TLS, and a connection to a server that uses it goes
//! through a tunnel in this process: sqlx speaks plain PostgreSQL to a listener for this desk alone
//! (`platform::DeskListener`: a Unix socket in a folder only this OS user can open, loopback TCP on
//! Windows); for each connection the tunnel dials the server, asks it for TLS
//! (PostgreSQL's `SSLRequest`), runs the handshake with rustls against a root store holding the
//! profile's CA and nothing else (checking the host name under `verify-full`), then copies bytes
//! both ways. A refused handshake is kept, typed, for whoever asks why the connection failed.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::platform::{DeskListener, DeskStream};
use tokio_rustls::TlsConnector;

use podoclinic_clinic::error::AppError;

/// libpq's TLS modes, with libpq's meanings: `prefer` and `require` encrypt without checking who
/// answers; `verify-ca` checks the certificate against the profile's CA (and only it);
/// `verify-full` also checks the host name. New profiles use `verify-full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    #[default]
    VerifyFull,
}

impl SslMode {
    /// How much the mode checks, to tell a lowering from a raising.
    pub(crate) fn strength(self) -> u8 {
        match self {
            SslMode::Disable => 0,
            SslMode::Prefer => 1,
            SslMode::Require => 2,
            SslMode::VerifyCa => 3,
            SslMode::VerifyFull => 4,
        }
    }
}

/// How long dialling the server and the handshake may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(5);
/// PostgreSQL's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 4, 210, 22, 47];

/// Why the server's TLS was refused, as the connection screens and the status screen name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TlsRefusal {
    /// The certificate does not chain to the profile's CA (or is not a valid certificate).
    Untrusted,
    /// The certificate has expired or is not valid yet.
    Expired,
    /// The certificate is the CA's, for another host name (`verify-full`).
    WrongHost,
    /// The server does not offer TLS at all.
    NoTls,
    /// The CA file could not be read or holds no certificate.
    BadCaFile,
    /// The handshake failed for another reason (protocol, cipher); details in the log.
    Handshake,
}

impl TlsRefusal {
    /// The error on the field to fix.
    pub fn error(self) -> AppError {
        let (field, key) = match self {
            Self::Untrusted => ("sslRootCert", "tls_untrusted"),
            Self::Expired => ("sslRootCert", "tls_expired"),
            Self::BadCaFile => ("sslRootCert", "tls_bad_ca_file"),
            Self::WrongHost => ("host", "tls_wrong_host"),
            Self::NoTls => ("sslMode", "tls_not_offered"),
            Self::Handshake => ("sslMode", "tls_handshake"),
        };
        AppError::validation(field, key)
    }

    fn of(e: &rustls::Error) -> Self {
        match e {
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => Self::WrongHost,
            rustls::Error::InvalidCertificate(
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. },
            ) => Self::Expired,
            rustls::Error::InvalidCertificate(_) => Self::Untrusted,
            _ => Self::Handshake,
        }
    }
}

/// Where a tunnelled profile dials, and how it checks the server.
#[derive(Clone)]
struct Dial {
    host: String,
    port: u16,
    mode: SslMode,
    /// The CA-only verifier (`verify-ca`, `verify-full`) or none (`prefer`, `require`).
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

/// A running tunnel. It stops, and its socket folder goes, when the last handle is dropped.
pub struct Tunnel {
    options: PgConnectOptions,
    refused: Arc<Mutex<Option<TlsRefusal>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Tunnel {
    /// Starts a tunnel for a server profile's TLS mode (not `disable`).
    pub async fn start(host: &str, port: u16, mode: SslMode, ca_file: Option<&Path>) -> Result<Arc<Self>, TlsRefusal> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = match mode {
            SslMode::Disable => unreachable!("a profile without TLS dials the server directly"),
            SslMode::Prefer | SslMode::Require => None,
            SslMode::VerifyCa | SslMode::VerifyFull => {
                let roots = Arc::new(roots_from(ca_file.ok_or(TlsRefusal::BadCaFile)?).await?);
                let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(|_| TlsRefusal::BadCaFile)?;
                Some(webpki)
            }
        };
        let verifier =
            Arc::new(Verifier { provider: provider.clone(), chain, check_name: mode == SslMode::VerifyFull });
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| TlsRefusal::Handshake)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        let name = ServerName::try_from(host.to_string()).map_err(|_| TlsRefusal::WrongHost)?;
        let dial = Dial { host: host.to_string(), port, mode, config: Arc::new(config), name };

        let listener = DeskListener::bind(port).await.map_err(|e| {
            tracing::warn!(error = %e, "no listener for the TLS tunnel");
            TlsRefusal::Handshake
        })?;
        let options = listener.options().ssl_mode(PgSslMode::Disable);
        let refused = Arc::new(Mutex::new(None));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(serve(listener, dial, refused.clone(), stopped));
        Ok(Arc::new(Self { options, refused, _stop: stop }))
    }

    /// How sqlx reaches the server through this tunnel (user, password and database still to set).
    pub fn options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    /// Why the last refused connection was refused, if the last connection was.
    pub fn refusal(&self) -> Option<TlsRefusal> {
        *self.refused.lock().expect("never poisoned")
    }
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel").finish_non_exhaustive()
    }
}

async fn roots_from(ca_file: &Path) -> Result<RootCertStore, TlsRefusal> {
    let pem = tokio::fs::read(ca_file).await.map_err(|e| {
        tracing::info!(error = %e, "CA file unreadable");
        TlsRefusal::BadCaFile
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.map_err(|_| TlsRefusal::BadCaFile)?).map_err(|_| TlsRefusal::BadCaFile)?;
    }
    if roots.is_empty() {
        return Err(TlsRefusal::BadCaFile);
    }
    Ok(roots)
}

async fn serve(
    listener: DeskListener,
    dial: Dial,
    refused: Arc<Mutex<Option<TlsRefusal>>>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok(client) => {
                    let (dial, refused) = (dial.clone(), refused.clone());
                    tokio::spawn(async move { forward(client, &dial, &refused).await });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "TLS tunnel accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    // Dropping the listener closes it (and on Unix removes its folder).
    drop(listener);
}

/// One connection: dial, ask for TLS, handshake, then copy until either side closes. The outcome
/// is recorded while sqlx still waits on its socket, so its failure can be explained.
async fn forward(mut client: DeskStream, dial: &Dial, refused: &Mutex<Option<TlsRefusal>>) {
    let opened = tokio::time::timeout(DIAL_TIMEOUT, open(dial)).await;
    let outcome = match &opened {
        Ok(Err(Opened::Refused(why))) => Some(*why),
        _ => None,
    };
    *refused.lock().expect("never poisoned") = outcome;
    let server = match opened {
        Ok(Ok(server)) => server,
        Ok(Err(Opened::Refused(why))) => {
            tracing::warn!(reason = ?why, "the server's TLS was refused");
            return;
        }
        // Unreachable or slow: an ordinary lost connection, not a TLS refusal.
        Ok(Err(Opened::Io(e))) => {
            tracing::debug!(error = %e, "the server did not answer the tunnel");
            return;
        }
        Err(_) => return,
    };
    let copied = match server {
        Server::Tls(mut tls) => tokio::io::copy_bidirectional(&mut client, &mut *tls).await,
        Server::Plain(mut tcp) => tokio::io::copy_bidirectional(&mut client, &mut tcp).await,
    };
    if let Err(e) = copied {
        tracing::debug!(error = %e, "tunnelled connection ended");
    }
}

enum Server {
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    Plain(TcpStream),
}

enum Opened {
    Refused(TlsRefusal),
    Io(io::Error),
}

async fn open(dial: &Dial) -> Result<Server, Opened> {
    let mut tcp = TcpStream::connect((dial.host.as_str(), dial.port)).await.map_err(Opened::Io)?;
    let _ = tcp.set_nodelay(true);
    tcp.write_all(&SSL_REQUEST).await.map_err(Opened::Io)?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).await.map_err(Opened::Io)?;
    match (answer[0], dial.mode) {
        (b'S', _) => {}
        (b'N', SslMode::Prefer) => return Ok(Server::Plain(tcp)),
        (b'N', _) => return Err(Opened::Refused(TlsRefusal::NoTls)),
        _ => return Err(Opened::Refused(TlsRefusal::Handshake)),
    }
    let connector = TlsConnector::from(dial.config.clone());
    match connector.connect(dial.name.clone(), tcp).await {
        Ok(tls) => Ok(Server::Tls(Box::new(tls))),
        Err(e) => match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(tls) => Err(Opened::Refused(TlsRefusal::of(tls))),
            None => Err(Opened::Io(e)),
        },
    }
}

/// The server's certificate check for every mode. With a chain verifier (`verify-ca`,
/// `verify-full`) the chain must reach the profile's CA, and under `verify-full` carry the host
/// name; without one (`prefer`, `require`) any certificate is taken: encrypted, not authenticated
/// (libpq's meaning; the profile screen says so). The handshake's signatures are checked in every
/// mode, so the session key is the certificate's.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
