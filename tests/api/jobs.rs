//! Jobs and the cleanup tool over GraphQL (seed 001): a job graph reported
//! by a depositor, final results and what they protect, and a cleanup whose
//! run frees on disk exactly what its preview estimated.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use strata_catalog::Scope;
use strata_tests::{TestApp, error_of};

const REPORT: &str = "mutation($project: String!, $input: ReportJobInput!) {
  reportJob(project: $project, input: $input) { uid status category }
}";

const RECORD: &str = "mutation($project: String!, $uid: String!, $results: [JobResultInput!]!) {
  recordJobResults(project: $project, uid: $uid, results: $results) { uid sizeBytes results { name sizeBytes intermediate } }
}";

const STATUS: &str = "mutation($project: String!, $uid: String!, $status: JobStatus!) {
  setJobStatus(project: $project, uid: $uid, status: $status) { status }
}";

const FINAL: &str = "mutation($project: String!, $uid: String!, $final: Boolean!) {
  markJobFinal(project: $project, uid: $uid, final: $final) { uid isFinal }
}";

const JOBS: &str = "query($code: String!) {
  project(code: $code) { jobs {
    uid title jobType category status parameters isFinal isAncestorOfFinal inputsUnavailable
    sizeBytes inputs workspaces results { name path intermediate sizeBytes }
  } }
}";

/// Every field of a plan, so that the preview and the run can be compared whole.
const PLAN_FIELDS: &str = "
  jobs { uid change intermediates bytesFreed reason }
  scopeJobs scopeBytes
  estimate { jobsCleared jobsIntermediatesCleared jobsDeleted totalModified jobsSkippedRunning
             bytesFreed shareOfProject projectBytesStale }
  preprocessing { categories { category count bytes share }
                  nonPreprocessing { count bytes share } total { count bytes share } }
  intermediateResults { uid bytes }
  finality { finalResults { count bytes share } ancestorsOfFinal { count bytes share }
             nonFinal { count bytes share } }
  byStatus { killed { count bytes share } failed { count bytes share } other { count bytes share } }";

fn preview_query() -> String {
    format!(
        "query($project: String!, $workspace: String, $options: CleanupOptionsInput!) {{
  cleanupPreview(project: $project, workspace: $workspace, options: $options) {{ {PLAN_FIELDS} }}
}}"
    )
}

fn run_mutation() -> String {
    format!(
        "mutation($project: String!, $workspace: String, $options: CleanupOptionsInput!) {{
  runCleanup(project: $project, workspace: $workspace, options: $options) {{ bytesFreed plan {{ {PLAN_FIELDS} }} }}
}}"
    )
}

async fn directory(app: &TestApp, code: &str) -> PathBuf {
    PathBuf::from(
        app.catalog
            .project(&Scope::system(), code)
            .await
            .unwrap()
            .directory,
    )
}

fn bytes_under(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| bytes_under(&e.path()))
            .sum()
    } else {
        meta.len()
    }
}

struct Project<'a> {
    app: &'a TestApp,
    code: &'a str,
    dir: PathBuf,
    token: String,
}

impl Project<'_> {
    /// Reports a completed job that wrote `outputs` and `intermediates`
    /// (name, bytes) into its folder; returns its uid.
    async fn job(
        &self,
        category: &str,
        inputs: Value,
        outputs: &[(&str, usize)],
        intermediates: &[(&str, usize)],
    ) -> String {
        let input = json!({
            "title": format!("{category} job"),
            "jobType": category.to_lowercase(),
            "category": category,
            "parameters": { "box_size": 256 },
            "inputs": inputs,
            "workspaces": ["W1"],
        });
        let reported = self
            .app
            .ok(
                Some(&self.token),
                REPORT,
                json!({ "project": self.code, "input": input }),
            )
            .await;
        assert_eq!(reported["reportJob"]["status"], "BUILDING");
        let uid = reported["reportJob"]["uid"].as_str().unwrap().to_owned();
        let folder = self.dir.join("jobs").join(&uid);
        let mut results = Vec::new();
        for (name, size, intermediate) in outputs
            .iter()
            .map(|(n, s)| (n, s, false))
            .chain(intermediates.iter().map(|(n, s)| (n, s, true)))
        {
            std::fs::write(folder.join(format!("{name}.mrc")), vec![7u8; *size]).unwrap();
            results.push(json!({ "name": name, "path": format!("{name}.mrc"), "intermediate": intermediate }));
        }
        let recorded = self
            .app
            .ok(
                Some(&self.token),
                RECORD,
                json!({ "project": self.code, "uid": uid, "results": results }),
            )
            .await;
        let total: usize = outputs.iter().chain(intermediates).map(|(_, s)| s).sum();
        assert_eq!(recorded["recordJobResults"]["sizeBytes"], total);
        self.app
            .ok(
                Some(&self.token),
                STATUS,
                json!({ "project": self.code, "uid": uid, "status": "COMPLETED" }),
            )
            .await;
        uid
    }

    async fn jobs(&self) -> Vec<Value> {
        self.app
            .ok(Some(&self.token), JOBS, json!({ "code": self.code }))
            .await["project"]["jobs"]
            .as_array()
            .unwrap()
            .clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleanup_frees_on_disk_exactly_what_its_preview_estimated() {
    let app = TestApp::spawn().await;
    app.create_project("JB", "Job graph").await;
    let depositor = app.user("depositor").await;
    app.add_member("JB", "depositor", "DEPOSITOR").await;
    let viewer = app.user("viewer").await;
    app.add_member("JB", "viewer", "VIEWER").await;
    let p = Project {
        app: &app,
        code: "JB",
        dir: directory(&app, "JB").await,
        token: depositor.clone(),
    };

    let import = p.job("IMPORT", json!([]), &[("movies", 10)], &[]).await;
    let motion = p
        .job(
            "MOTION_CORRECTION",
            json!([{ "job": import }]),
            &[("aligned", 4000)],
            &[],
        )
        .await;
    let ctf = p
        .job(
            "CTF_ESTIMATION",
            json!([{ "job": motion }]),
            &[("ctf", 300)],
            &[],
        )
        .await;
    let refine = p
        .job(
            "OTHER",
            json!([{ "job": ctf }]),
            &[("map", 900)],
            &[("iter_001", 500), ("iter_002", 700)],
        )
        .await;
    // A branch that read the refinement's second iteration, and a dead end.
    let branch = p
        .job(
            "OTHER",
            json!([{ "job": refine, "results": ["iter_002"] }]),
            &[("branch", 250)],
            &[],
        )
        .await;
    let dead_end = p
        .job("OTHER", json!([{ "job": ctf }]), &[("junk", 1200)], &[])
        .await;

    let marked = app
        .ok(
            Some(&depositor),
            FINAL,
            json!({ "project": "JB", "uid": refine, "final": true }),
        )
        .await;
    assert_eq!(marked["markJobFinal"]["isFinal"], true);
    let jobs = p.jobs().await;
    let ancestors: Vec<&str> = jobs
        .iter()
        .filter(|j| j["isAncestorOfFinal"] == true)
        .map(|j| j["uid"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, [import.as_str(), motion.as_str(), ctf.as_str()]);
    let refined = jobs.iter().find(|j| j["uid"] == refine.as_str()).unwrap();
    assert_eq!(refined["sizeBytes"], 2100);
    assert_eq!(refined["parameters"], json!({ "box_size": 256 }));
    assert_eq!(refined["inputs"], json!([ctf]));
    assert_eq!(refined["workspaces"], json!(["W1"]));
    let single = app
        .ok(
            None,
            "query($uid: String!) { job(project: \"JB\", uid: $uid) { uid } }",
            json!({ "uid": refine }),
        )
        .await;
    assert_eq!(
        single["job"],
        Value::Null,
        "a private project's jobs are invisible"
    );

    // What final and ancestry protect, each refused with its reason.
    let clear = app
        .graphql(
            Some(&depositor),
            "mutation($uid: String!) { clearJob(project: \"JB\", uid: $uid) { bytesFreed } }",
            json!({ "uid": refine }),
        )
        .await;
    let (code, field, message) = error_of(&clear);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("CONFLICT", Some("uid")),
        "{message}"
    );
    assert!(message.contains("a final result"), "{message}");
    let delete = app
        .graphql(
            Some(&depositor),
            "mutation($uid: String!) { deleteJob(project: \"JB\", uid: $uid) { bytesFreed } }",
            json!({ "uid": ctf }),
        )
        .await;
    let (code, _, message) = error_of(&delete);
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("ancestor of a final result"), "{message}");
    let parameters = app
        .graphql(
            Some(&depositor),
            "mutation($uid: String!) { setJobParameters(project: \"JB\", uid: $uid, parameters: {box_size: 128}) { uid } }",
            json!({ "uid": motion }),
        )
        .await;
    assert_eq!(error_of(&parameters).0, "CONFLICT");

    // The project's size, measured, for the estimate's share.
    app.ok(
        Some(&app.admin),
        "mutation { refreshProjectStorage(code: \"JB\") { totalBytes } }",
        json!({}),
    )
    .await;

    // Clear motion correction (an ancestor: cleared, not deleted), delete
    // non-final jobs, clear unused intermediates. The viewer may look.
    let options = json!({
        "preprocessing": [{ "category": "MOTION_CORRECTION", "action": "CLEAR_AND_DELETE" }],
        "intermediateResults": true,
        "nonFinal": "CLEAR_AND_DELETE",
    });
    let vars = json!({ "project": "JB", "workspace": "W1", "options": options });
    let preview =
        app.ok(Some(&viewer), &preview_query(), vars.clone()).await["cleanupPreview"].clone();
    let estimate = &preview["estimate"];
    // motion 4000 (cleared); branch 250 and dead end 1200 (deleted); the
    // refinement is final: even its intermediates are protected.
    assert_eq!(estimate["bytesFreed"], 4000 + 250 + 1200);
    assert_eq!(
        (
            &estimate["jobsCleared"],
            &estimate["jobsDeleted"],
            &estimate["totalModified"]
        ),
        (&json!(1), &json!(2), &json!(3))
    );
    assert_eq!(estimate["projectBytesStale"], false);
    let share = estimate["shareOfProject"].as_f64().unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");
    assert_eq!(
        preview["jobs"],
        json!([
            { "uid": motion, "change": "CLEAR", "intermediates": [], "bytesFreed": 4000, "reason": "PREPROCESSING" },
            { "uid": branch, "change": "DELETE", "intermediates": [], "bytesFreed": 250, "reason": "NON_FINAL" },
            { "uid": dead_end, "change": "DELETE", "intermediates": [], "bytesFreed": 1200, "reason": "NON_FINAL" },
        ])
    );
    assert_eq!(preview["scopeJobs"], 6);
    assert_eq!(preview["scopeBytes"], 10 + 4000 + 300 + 2100 + 250 + 1200);
    assert_eq!(
        preview["finality"]["finalResults"],
        json!({ "count": 1, "bytes": 2100, "share": 2100.0 / 7860.0 })
    );
    assert_eq!(
        preview["preprocessing"]["categories"][0],
        json!({ "category": "MOTION_CORRECTION", "count": 1, "bytes": 4000, "share": 4000.0 / 7860.0 })
    );
    assert_eq!(preview["preprocessing"]["total"]["count"], 6);

    // A viewer may not run it; nothing changes.
    let refused = app
        .graphql(Some(&viewer), &run_mutation(), vars.clone())
        .await;
    assert_eq!(error_of(&refused).0, "FORBIDDEN", "{refused:#}");
    assert_eq!(p.jobs().await.len(), 6);

    let jobs_dir = p.dir.join("jobs");
    let before = bytes_under(&jobs_dir);
    let run = app.ok(Some(&depositor), &run_mutation(), vars).await["runCleanup"].clone();
    let after = bytes_under(&jobs_dir);
    assert_eq!(run["plan"], preview, "the run does what the preview said");
    assert_eq!(run["bytesFreed"], estimate["bytesFreed"]);
    assert_eq!(
        json!(before - after),
        run["bytesFreed"],
        "to the byte, on disk"
    );

    let jobs = p.jobs().await;
    let uids: Vec<&str> = jobs.iter().map(|j| j["uid"].as_str().unwrap()).collect();
    assert_eq!(
        uids,
        [
            import.as_str(),
            motion.as_str(),
            ctf.as_str(),
            refine.as_str()
        ]
    );
    let motion_now = &jobs[1];
    assert_eq!(
        (
            &motion_now["status"],
            &motion_now["sizeBytes"],
            &motion_now["results"]
        ),
        (&json!("BUILDING"), &json!(0), &json!([])),
        "cleared: metadata kept, outputs gone"
    );
    assert_eq!(jobs[2]["inputsUnavailable"], true);

    // Unmarked, the refinement's intermediates are cleared: both, as the
    // branch that read iter_002 is gone.
    app.ok(
        Some(&depositor),
        FINAL,
        json!({ "project": "JB", "uid": refine, "final": false }),
    )
    .await;
    let vars = json!({ "project": "JB", "options": { "intermediateResults": true } });
    let preview = app
        .ok(Some(&depositor), &preview_query(), vars.clone())
        .await;
    assert_eq!(
        preview["cleanupPreview"]["jobs"],
        json!([{ "uid": refine, "change": "CLEAR_INTERMEDIATES", "intermediates": ["iter_001", "iter_002"], "bytesFreed": 1200, "reason": "INTERMEDIATE_RESULTS" }])
    );
    let run = app.ok(Some(&depositor), &run_mutation(), vars).await;
    assert_eq!(run["runCleanup"]["bytesFreed"], 1200);
    assert!(p.dir.join("jobs").join(&refine).join("map.mrc").exists());
    assert!(
        !p.dir
            .join("jobs")
            .join(&refine)
            .join("iter_001.mrc")
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_mutations_check_the_caller_and_blame_the_input() {
    let app = TestApp::spawn().await;
    app.create_project("JE", "Job errors").await;
    let depositor = app.user("depositor").await;
    app.add_member("JE", "depositor", "DEPOSITOR").await;
    let viewer = app.user("viewer").await;
    app.add_member("JE", "viewer", "VIEWER").await;
    let p = Project {
        app: &app,
        code: "JE",
        dir: directory(&app, "JE").await,
        token: depositor.clone(),
    };

    // Viewers may not report jobs.
    let input = json!({ "jobType": "import" });
    let refused = app
        .graphql(
            Some(&viewer),
            REPORT,
            json!({ "project": "JE", "input": input }),
        )
        .await;
    assert_eq!(error_of(&refused).0, "FORBIDDEN");
    // An input naming no job, and a job type too long: blamed by path.
    let bad = app
        .graphql(
            Some(&depositor),
            REPORT,
            json!({ "project": "JE", "input": { "jobType": "x", "inputs": [{ "job": "J99" }] } }),
        )
        .await;
    let (code, field, _) = error_of(&bad);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("input.inputs[0].job"))
    );
    let bad = app
        .graphql(
            Some(&depositor),
            REPORT,
            json!({ "project": "JE", "input": { "jobType": "x".repeat(65) } }),
        )
        .await;
    assert_eq!(error_of(&bad).1.as_deref(), Some("input.jobType"));
    let missing = app
        .graphql(
            Some(&depositor),
            REPORT,
            json!({ "project": "NOPE", "input": { "jobType": "x" } }),
        )
        .await;
    assert_eq!(error_of(&missing).0.as_str(), "NOT_FOUND", "{missing:#}");
    assert_eq!(error_of(&missing).1.as_deref(), Some("project"));

    // Defaults: category OTHER, parameters {}, no inputs or workspaces.
    let reported = app
        .ok(
            Some(&depositor),
            "mutation { reportJob(project: \"JE\", input: { jobType: \"refine\" }) { uid title category status parameters inputs workspaces } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reported["reportJob"],
        json!({ "uid": "J1", "title": "", "category": "OTHER", "status": "BUILDING",
                "parameters": {}, "inputs": [], "workspaces": [] })
    );
    // A result that is not in the job's folder.
    let absent = app
        .graphql(
            Some(&depositor),
            RECORD,
            json!({ "project": "JE", "uid": "J1", "results": [{ "name": "map", "path": "map.mrc" }] }),
        )
        .await;
    assert_eq!(error_of(&absent).1.as_deref(), Some("results[0].path"));
    let no_job = app
        .graphql(
            Some(&depositor),
            STATUS,
            json!({ "project": "JE", "uid": "J7", "status": "RUNNING" }),
        )
        .await;
    let (code, field, _) = error_of(&no_job);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("NOT_FOUND", Some("uid"))
    );

    // Parameters change until the job is final.
    let changed = app
        .ok(
            Some(&depositor),
            "mutation { setJobParameters(project: \"JE\", uid: \"J1\", parameters: {iterations: [1, 2]}) { parameters } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changed["setJobParameters"]["parameters"],
        json!({ "iterations": [1, 2] })
    );

    // A running job is left alone by a cleanup, and counted.
    let killed = p.job("OTHER", json!([]), &[("partial", 111)], &[]).await;
    app.ok(
        Some(&depositor),
        STATUS,
        json!({ "project": "JE", "uid": killed, "status": "KILLED" }),
    )
    .await;
    app.ok(
        Some(&depositor),
        STATUS,
        json!({ "project": "JE", "uid": "J1", "status": "RUNNING" }),
    )
    .await;
    let preview = app
        .ok(
            Some(&viewer),
            &preview_query(),
            json!({ "project": "JE", "options": { "killed": "CLEAR", "nonFinal": "CLEAR" } }),
        )
        .await["cleanupPreview"]
        .clone();
    assert_eq!(preview["estimate"]["jobsSkippedRunning"], 1);
    assert_eq!(preview["byStatus"]["killed"]["bytes"], 111);
    assert_eq!(
        preview["jobs"],
        json!([{ "uid": killed, "change": "CLEAR", "intermediates": [], "bytesFreed": 111, "reason": "NON_FINAL" }])
    );
    // Without options: nothing selected, the tabs alone.
    let tabs = app
        .ok(
            Some(&viewer),
            "{ cleanupPreview(project: \"JE\") { jobs { uid } scopeJobs estimate { totalModified bytesFreed } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tabs["cleanupPreview"],
        json!({ "jobs": [], "scopeJobs": 2, "estimate": { "totalModified": 0, "bytesFreed": 0 } })
    );

    // Options the catalog refuses, a category given twice, an unknown
    // workspace, and a project not visible (null, as `project` is).
    for (options, workspace, expected) in [
        (
            json!({ "preprocessing": [{ "category": "IMPORT" }] }),
            None,
            ("BAD_USER_INPUT", "options"),
        ),
        (
            json!({ "preprocessing": [{ "category": "EXTRACTION" }, { "category": "EXTRACTION", "action": "CLEAR_AND_DELETE" }] }),
            None,
            ("BAD_USER_INPUT", "options.preprocessing[1].category"),
        ),
        (json!({}), Some("W9"), ("NOT_FOUND", "workspace")),
    ] {
        let answer = app
            .graphql(
                Some(&viewer),
                &preview_query(),
                json!({ "project": "JE", "workspace": workspace, "options": options }),
            )
            .await;
        let (code, field, message) = error_of(&answer);
        assert_eq!(
            (code.as_str(), field.as_deref()),
            (expected.0, Some(expected.1)),
            "{message}"
        );
    }
    let hidden = app
        .ok(
            None,
            &preview_query(),
            json!({ "project": "JE", "options": {} }),
        )
        .await;
    assert_eq!(hidden["cleanupPreview"], Value::Null);

    // Clearing by hand frees the job's bytes; deleting removes it.
    let cleared = app
        .ok(
            Some(&depositor),
            "mutation($uid: String!) { clearJob(project: \"JE\", uid: $uid) { uid change bytesFreed } }",
            json!({ "uid": killed }),
        )
        .await;
    assert_eq!(
        cleared["clearJob"],
        json!({ "uid": killed, "change": "CLEAR", "bytesFreed": 111 })
    );
    let deleted = app
        .ok(
            Some(&depositor),
            "mutation($uid: String!) { deleteJob(project: \"JE\", uid: $uid) { uid change bytesFreed } }",
            json!({ "uid": killed }),
        )
        .await;
    assert_eq!(deleted["deleteJob"]["change"], "DELETE");
    let gone = app
        .ok(
            Some(&depositor),
            "query($uid: String!) { job(project: \"JE\", uid: $uid) { uid } }",
            json!({ "uid": killed }),
        )
        .await;
    assert_eq!(gone["job"], Value::Null);
}
