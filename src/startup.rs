//! Building the application: open and migrate the database, create the first admin, bind the
//! listener and start the HTTP server. Tests build it the same way on port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};

use crate::auth::password;
use crate::auth::token::TokenKeys;
use crate::config::{AdminBootstrap, Settings};
use crate::db::audit::AuditActor;
use crate::db::models::users;
use crate::db::{Backend, DatabaseUrl, Db, Workload};
use crate::domain::accounts::{NewUser, UserInput};
use crate::domain::Role;
use crate::http::{self, AppState};

/// The first admin, when this start created it.
pub struct CreatedAdmin {
    pub email: String,
    /// The generated password, to show once; `None` when it came from `REGISTRY_ADMIN_PASSWORD`.
    pub generated_password: Option<String>,
}

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
}

/// Opens the database for a command, with a pool sized for the backend, and applies pending
/// migrations.
pub fn open_database(url: &DatabaseUrl) -> anyhow::Result<Db> {
    open_database_for(url, Workload::Command)
}

/// Opens the database for `workload` (see [`open_database`]).
pub fn open_database_for(url: &DatabaseUrl, workload: Workload) -> anyhow::Result<Db> {
    let max_connections = match url.backend() {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    let db = Db::connect_for(url, max_connections, workload)?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(?applied, database = %url.redacted(), "applied migrations");
    }
    Ok(db)
}

/// Creates the first admin when the users table is empty.
pub fn ensure_first_admin(db: &Db, admin: &AdminBootstrap) -> anyhow::Result<Option<CreatedAdmin>> {
    if users::count(&mut *db.conn()?)? > 0 {
        return Ok(None);
    }
    let generated = admin.password.is_none().then(password::generate);
    let plain = admin
        .password
        .clone()
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let user = NewUser::parse(UserInput {
        email: Some(admin.email.clone()),
        name: Some("Administrator".into()),
        password: Some(plain),
        role: Some(Role::Admin),
        ..Default::default()
    })
    .map_err(|errors| {
        let problems: Vec<String> = errors.0.iter().map(|e| e.message.clone()).collect();
        anyhow::anyhow!("the first admin cannot be created: {}", problems.join("; "))
    })?;
    let hash = password::hash(&user.password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let created = db.write_blocking(|conn| {
        // Checked again inside the transaction: two starting servers must not both create one.
        if users::count(conn)? > 0 {
            return Ok(None);
        }
        users::create(conn, &AuditActor::system(), user, hash).map(Some)
    })?;
    Ok(created.map(|account| CreatedAdmin {
        email: account.user.email,
        generated_password: generated,
    }))
}

impl Application {
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = open_database_for(&settings.database, Workload::Serve)?;
        ensure_first_admin(&db, &settings.admin)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        crate::jobs::expiry::spawn(db.clone());
        crate::jobs::staging::spawn(db.clone());
        let state = AppState {
            db,
            keys: TokenKeys::new(&settings.jwt_secret),
            secure_cookies: settings.secure_cookies,
            uploads: Default::default(),
            throttle: Default::default(),
        };
        let server = run(listener, state)?;
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting and finishes the requests in flight
    /// (actix's own handling would drop them on SIGINT).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        tokio::spawn(async move {
            if stop_signal().await.is_ok() {
                tracing::info!("stopping: finishing the requests in flight");
                handle.stop(true).await;
            }
        });
        self.server.await
    }
}

/// SIGINT (Ctrl-C) or SIGTERM, whichever comes first.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// How long a stop waits for requests in flight (a large import) before closing them.
const SHUTDOWN_GRACE_SECS: u64 = 300;
/// How long an idle keep-alive connection is kept open: longer than the idle timeouts of the clients
/// and load balancers in front (60 s is common, as nginx's 75 s), so that they close idle connections
/// first. Whichever side closes first races the other reusing the connection, and a request sent into
/// a connection the server is closing fails at the client; actix's default is 5 s.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(
                http::pages::session::ensure_csrf_cookie,
            ))
            .wrap(http::pages::security::headers())
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
            .app_data(state.clone())
            .configure(http::configure)
    })
    .disable_signals()
    .keep_alive(KEEP_ALIVE)
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .listen(listener)?
    .run();
    Ok(server)
}
