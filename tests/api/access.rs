//! Visibility, tested by walking every field of the schema: every query root,
//! every nested object reachable from it, as anonymous and as a member of
//! another project. No private record may appear anywhere, not even in counts.

use std::collections::HashMap;

use serde_json::{Value, json};
use strata_tests::TestApp;

const PRIVATE_DATASET: &str = "PRIV-2022-10-01-10-00-00-0001";
const PRIVATE_PRODUCT: &str = "PRIV-2022-10-03-10-00-00-0002";
const PUBLIC_RAW: &str = "PUB-2022-10-01-09-00-00-0001";
const PUBLIC_PRODUCT: &str = "PUB-2022-10-02-09-00-00-0002";
const OTHER_DATASET: &str = "OTHER-2022-10-01-08-00-00-0001";
/// Strings only the private project's records hold.
const MARKERS: &[&str] = &[
    "PRIV",
    "Hidden project",
    "SECRET-DESC",
    "secret-sample",
    "9.87654",
];
/// How many object levels the walk descends.
const WALK_DEPTH: usize = 5;

const INTROSPECTION: &str = "{ __schema { queryType { name } types { name kind fields {
  name
  args { name defaultValue type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
} } } }";

struct Walker {
    /// Object type name → its fields.
    types: HashMap<String, Vec<Value>>,
}

/// The named type under NON_NULL and LIST wrappers, and whether the outermost is NON_NULL.
fn named(t: &Value) -> (&str, &str) {
    let mut t = t;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    (t["kind"].as_str().unwrap(), t["name"].as_str().unwrap())
}

impl Walker {
    async fn new(app: &TestApp) -> Self {
        let schema = app.ok(None, INTROSPECTION, json!({})).await;
        let types = schema["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "OBJECT" && !t["name"].as_str().unwrap().starts_with("__"))
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["fields"].as_array().cloned().unwrap_or_default(),
                )
            })
            .collect();
        Self { types }
    }

    /// Selects every field of an object type, `depth` object levels down.
    fn selection(&self, type_name: &str, depth: usize) -> String {
        let (scalars, objects) = self.parts(type_name, depth);
        scalars
            .into_iter()
            .chain(objects)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// An object type's scalar fields, and its object fields each with
    /// their own selection, `depth` object levels down.
    fn parts(&self, type_name: &str, depth: usize) -> (Vec<String>, Vec<String>) {
        let (mut scalars, mut objects) = (Vec::new(), Vec::new());
        for field in &self.types[type_name] {
            let name = field["name"].as_str().unwrap();
            let (kind, inner) = named(&field["type"]);
            let args = if field["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "first")
            {
                "(first: 10)"
            } else {
                ""
            };
            match kind {
                "SCALAR" | "ENUM" => scalars.push(name.to_owned()),
                "OBJECT" if depth > 0 => {
                    let inner_selection = self.selection(inner, depth - 1);
                    if !inner_selection.is_empty() {
                        objects.push(format!("{name}{args} {{ {inner_selection} }}"));
                    }
                }
                _ => {}
            }
        }
        (scalars, objects)
    }

    /// One query per root field and per value of its required arguments.
    fn queries(&self, values: &[&str]) -> Vec<(String, String)> {
        let mut queries = Vec::new();
        for field in &self.types["Query"] {
            let name = field["name"].as_str().unwrap();
            let required: Vec<&str> = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null())
                .map(|a| a["name"].as_str().unwrap())
                .collect();
            let (kind, inner) = named(&field["type"]);
            // One query per object field of the root's type (with all its
            // scalars), so that no single query exceeds the complexity limit
            // as the schema grows; the first keeps the root field's name.
            let selections: Vec<(String, String)> = if kind == "OBJECT" {
                let (scalars, objects) = self.parts(inner, WALK_DEPTH);
                let scalars = scalars.join(" ");
                if objects.is_empty() {
                    vec![(name.to_owned(), format!(" {{ {scalars} }}"))]
                } else {
                    objects
                        .iter()
                        .enumerate()
                        .map(|(i, object)| {
                            let label = if i == 0 {
                                name.to_owned()
                            } else {
                                format!("{name}/{}", object.split([' ', '(']).next().unwrap())
                            };
                            (label, format!(" {{ {scalars} {object} }}"))
                        })
                        .collect()
                }
            } else {
                vec![(name.to_owned(), String::new())]
            };
            let has_first = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "first");
            for (label, selection) in &selections {
                if required.is_empty() {
                    let args = if has_first { "(first: 10)" } else { "" };
                    queries.push((label.clone(), format!("{{ {name}{args}{selection} }}")));
                } else {
                    for value in values {
                        let args: Vec<String> = required
                            .iter()
                            .map(|a| format!("{a}: \"{value}\""))
                            .collect();
                        queries.push((
                            format!("{label}({value})"),
                            format!("{{ {name}({}){selection} }}", args.join(", ")),
                        ));
                    }
                }
            }
        }
        queries
    }
}

async fn build_catalog(app: &TestApp) {
    for (code, title) in [
        ("PRIV", "Hidden project"),
        ("PUB", "Published project"),
        ("OTHER", "Outsider's own project"),
    ] {
        app.create_project(code, title).await;
    }
    app.ok(
        Some(&app.admin),
        "mutation { setEmbargo(project: \"PUB\", embargoEnd: \"2023-01-01T00:00:00Z\") { code } }",
        json!({}),
    )
    .await;
    app.user("outsider").await;
    app.add_member("OTHER", "outsider", "MANAGER").await;
    app.create_instrument("Krios-G4", "cryo-em").await;
    let sha = "b".repeat(64);
    let with_file = |id: &str| json!({ "input": { "dataset": id, "files": [{ "path": "data.mrc", "sizeBytes": 10, "sha256": sha, "format": "mrc" }] } });
    let add_files = "mutation($input: AddDatafilesInput!) { addDatafiles(input: $input) { path } }";
    app.register(
        PRIVATE_DATASET,
        json!({ "instrument": "Krios-G4", "sample": "secret-sample", "description": "SECRET-DESC",
                "parameters": [{ "name": "EMCTF_resolution_limit", "value": 9.87654 },
                               { "name": "EMCTF_defocus_u", "value": 15000 },
                               { "name": "EMCTF_defocus_v", "value": 14800 }] }),
    )
    .await;
    app.register(
        PUBLIC_RAW,
        json!({ "instrument": "Krios-G4", "sample": "open-sample", "description": "published raw",
        "parameters": [{ "name": "EM_voltage", "value": 300000 }] }),
    )
    .await;
    // A public product of private data, and a private product of public data.
    app.register(PUBLIC_PRODUCT, json!({ "kind": "PROCESSED", "links": [{ "target": PRIVATE_DATASET }, { "target": PUBLIC_RAW }] })).await;
    app.register(
        PRIVATE_PRODUCT,
        json!({ "kind": "PROCESSED", "description": "SECRET-DESC",
        "links": [{ "target": PUBLIC_RAW }, { "kind": "PARENT", "target": PUBLIC_PRODUCT }] }),
    )
    .await;
    app.register(
        OTHER_DATASET,
        json!({ "description": "outsider data", "links": [{ "target": PRIVATE_DATASET }] }),
    )
    .await;
    for id in [PRIVATE_DATASET, PUBLIC_RAW, PRIVATE_PRODUCT, OTHER_DATASET] {
        app.ok(Some(&app.admin), add_files, with_file(id)).await;
    }
    // A DOI draft and a session of the private project: the members' only.
    app.ok(
        Some(&app.admin),
        "mutation { createPublication(project: \"PRIV\", input: { metadata: { titles: [{ title: \"SECRET-DESC draft\" }] } }) { doi } }",
        json!({}),
    )
    .await;
    app.ok(
        Some(&app.admin),
        "mutation { reportSession(project: \"PRIV\", input: { title: \"SECRET-DESC session\" }) { uid } }",
        json!({}),
    )
    .await;
}

/// Walks the whole schema; returns every answer by query name.
async fn walk(app: &TestApp, token: Option<&str>, walker: &Walker) -> Vec<(String, Value)> {
    let values = [
        PRIVATE_DATASET,
        PRIVATE_PRODUCT,
        PUBLIC_RAW,
        PUBLIC_PRODUCT,
        OTHER_DATASET,
        "PRIV",
        "PUB",
        "OTHER",
        "10.80000/priv.1",
    ];
    let mut answers = Vec::new();
    for (name, query) in walker.queries(&values) {
        let answer = app.graphql(token, &query, json!({})).await;
        answers.push((name, answer));
    }
    answers
}

fn assert_nothing_private(who: &str, answers: &[(String, Value)]) {
    for (name, answer) in answers {
        let text = answer.to_string();
        for marker in MARKERS {
            assert!(
                !text.contains(marker),
                "{who}: {name} shows {marker:?}: {answer:#}"
            );
        }
        for error in answer["errors"].as_array().into_iter().flatten() {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            let path = error["path"]
                .as_array()
                .and_then(|p| p.last())
                .and_then(|l| l.as_str())
                .unwrap_or_default();
            assert!(
                code == "FORBIDDEN" && path == "members",
                "{who}: {name}: unexpected error {error:#}"
            );
        }
    }
}

fn answer<'a>(answers: &'a [(String, Value)], name: &str) -> &'a Value {
    &answers
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no query {name}"))
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_private_record_appears_anywhere_in_the_schema() {
    let app = TestApp::spawn().await;
    build_catalog(&app).await;
    let walker = Walker::new(&app).await;
    assert!(
        walker.queries(&["x"]).len() >= 8,
        "the walk covers every root field"
    );

    // Control: the facility admin sees the private records through the same walk,
    // so the walk does reach every place they could leak into.
    let admin = walk(&app, Some(&app.admin), &walker).await;
    for (name, answer) in &admin {
        assert!(
            answer["errors"].is_null(),
            "the admin's walk fails at {name}: {answer:#}"
        );
    }
    let admin_text: String = admin.iter().map(|(_, a)| a.to_string()).collect();
    for marker in MARKERS {
        assert!(
            admin_text.contains(marker),
            "the walk never reaches {marker:?}"
        );
    }
    assert_eq!(
        answer(&admin, "datasets")["data"]["datasets"]["totalCount"],
        5
    );

    let anonymous = walk(&app, None, &walker).await;
    assert_nothing_private("anonymous", &anonymous);
    assert_eq!(
        answer(&anonymous, "datasets")["data"]["datasets"]["totalCount"],
        2,
        "only the published project's two"
    );
    assert_eq!(
        answer(&anonymous, "projects")["data"]["projects"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let text: String = anonymous.iter().map(|(_, a)| a.to_string()).collect();
    assert!(
        !text.contains("OTHER-2022") && !text.contains("outsider"),
        "the outsider's project is private too"
    );
    assert!(text.contains(PUBLIC_PRODUCT), "public data is shown");

    let token = app
        .catalog
        .create_token(
            &strata_catalog::Scope::system(),
            &"outsider".parse().unwrap(),
            false,
            "",
            None,
        )
        .await
        .unwrap();
    let outsider = walk(&app, Some(token.secret.expose()), &walker).await;
    assert_nothing_private("a member of another project", &outsider);
    assert_eq!(
        answer(&outsider, "datasets")["data"]["datasets"]["totalCount"],
        3,
        "published two and their own"
    );
    let own = answer(&outsider, &format!("dataset/links({OTHER_DATASET})"));
    assert_eq!(
        own["data"]["dataset"]["links"],
        json!([]),
        "the link to a private dataset is hidden from its own linker"
    );
}
