//! `datasetAdded` over WebSocket (graphql-transport-ws): each subscriber gets
//! the datasets that land and match its filter, under its own access rules,
//! whichever process registered them.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use strata_catalog::{NewDataset, Scope};
use strata_tests::TestApp;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUBSCRIBE: &str = "subscription($filter: DatasetFilter) {
  datasetAdded(filter: $filter) { identifier technique project { code } }
}";

/// A subscription, authenticated in connection_init when `token` is given.
async fn subscribe(app: &TestApp, token: Option<&str>, filter: Value) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let payload = match token {
        Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
        None => json!({}),
    };
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe",
                "payload": { "query": SUBSCRIBE, "variables": { "filter": filter } } }),
    )
    .await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next protocol message (pings answered), within 10 s.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == "ping" {
                send(socket, json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }
}

/// The identifier of the next dataset delivered.
async fn landed(socket: &mut Socket) -> String {
    let message = next(socket).await;
    assert_eq!(message["type"], "next", "{message:#}");
    message["payload"]["data"]["datasetAdded"]["identifier"]
        .as_str()
        .unwrap_or_else(|| panic!("{message:#}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_subscriber_gets_what_matches_its_filter_and_may_see() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    app.create_project("PUB", "Published").await;
    app.ok(
        Some(&app.admin),
        "mutation { setEmbargo(project: \"PUB\", embargoEnd: \"2023-01-01T00:00:00Z\") { code } }",
        json!({}),
    )
    .await;
    let alice = app.user("alice").await;
    app.add_member("ML", "alice", "VIEWER").await;

    let cryo_em = json!({ "technique": "CRYO_EM" });
    let mut anonymous = subscribe(&app, None, cryo_em.clone()).await;
    let mut member = subscribe(&app, Some(&alice), cryo_em).await;
    let mut voltage = subscribe(
        &app,
        Some(&alice),
        json!({ "parameters": [{ "name": "EM_voltage", "gte": 250000 }] }),
    )
    .await;
    // Let the subscriptions start before anything lands.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Private cryo-EM, then an MX dataset nobody asked for, then public cryo-EM
    // registered straight in the catalog, as another process would.
    app.register(
        "ML-2022-10-01-14-03-22-0001",
        json!({ "parameters": [{ "name": "EM_voltage", "value": 300, "unit": "kV" }] }),
    )
    .await;
    app.register("ML-2022-10-01-14-03-22-0002", json!({ "technique": "MX" }))
        .await;
    app.catalog
        .register_dataset(
            &Scope::system(),
            NewDataset {
                identifier: "PUB-2022-10-02-09-00-00-0001".parse().unwrap(),
                kind: strata_domain::DatasetKind::Raw,
                technique: strata_domain::Technique::CryoEm,
                instrument: None,
                sample: None,
                description: String::new(),
                parameters: Vec::new(),
                links: Vec::new(),
            },
        )
        .await
        .unwrap();

    assert_eq!(landed(&mut anonymous).await, "PUB-2022-10-02-09-00-00-0001");
    assert_eq!(landed(&mut member).await, "ML-2022-10-01-14-03-22-0001");
    assert_eq!(landed(&mut member).await, "PUB-2022-10-02-09-00-00-0001");
    assert_eq!(landed(&mut voltage).await, "ML-2022-10-01-14-03-22-0001");
    // Nothing else is on its way to the parameter subscriber.
    assert!(
        tokio::time::timeout(Duration::from_millis(800), voltage.next())
            .await
            .is_err(),
        "the parameter filter let another dataset through"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_filter_is_refused_when_subscribing() {
    let app = TestApp::spawn().await;
    let mut socket = subscribe(
        &app,
        None,
        json!({ "parameters": [{ "name": "EM_flux_capacitor", "gt": 1 }] }),
    )
    .await;
    // The resolver's error arrives as the subscription's only result.
    let message = next(&mut socket).await;
    assert_eq!(message["payload"]["data"], Value::Null, "{message:#}");
    let error = &message["payload"]["errors"][0];
    assert_eq!(
        error["extensions"]["field"], "filter.parameters[0].name",
        "{message:#}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown parameter")
    );
    assert_eq!(next(&mut socket).await["type"], "complete");
}
