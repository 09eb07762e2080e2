//! The planner's rules, one case each.

use super::*;

fn job(id: i64, category: Category, status: Status, size_bytes: u64) -> JobFacts {
    JobFacts {
        id,
        uid: format!("J{id}"),
        category,
        status,
        is_final: false,
        is_ancestor_of_final: false,
        size_bytes,
        intermediates: Vec::new(),
        workspaces: vec![1],
    }
}

fn final_(mut j: JobFacts) -> JobFacts {
    j.is_final = true;
    j
}

fn ancestor(mut j: JobFacts) -> JobFacts {
    j.is_ancestor_of_final = true;
    j
}

fn with_intermediates(mut j: JobFacts, items: &[(&str, u64, bool)]) -> JobFacts {
    j.intermediates = items
        .iter()
        .map(|&(name, size_bytes, used_downstream)| Intermediate {
            name: name.to_owned(),
            size_bytes,
            used_downstream,
        })
        .collect();
    j
}

fn changes(plan: &Plan) -> Vec<(i64, Change)> {
    plan.jobs.iter().map(|p| (p.id, p.change.clone())).collect()
}

fn preprocessing(category: Category, action: Action) -> CleanupOptions {
    CleanupOptions {
        preprocessing: BTreeMap::from([(category, action)]),
        ..CleanupOptions::default()
    }
}

use Category::*;
use Status::*;

#[test]
fn names_round_trip() {
    for c in Category::ALL {
        assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
    }
    for s in Status::ALL {
        assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    assert_eq!(CtfEstimation.as_str(), "ctf-estimation");
    assert_eq!(MotionCorrection.as_str(), "motion-correction");
    let err = "ctf_estimation".parse::<Category>().unwrap_err();
    assert!(err.to_string().contains("ctf-estimation"), "{err}");
    assert!("done".parse::<Status>().is_err());
    assert_eq!(
        Category::ALL
            .iter()
            .filter(|c| c.is_preprocessing())
            .count(),
        Category::PREPROCESSING.len()
    );
}

#[test]
fn options_and_plan_serialize_kebab_case() {
    let options = CleanupOptions {
        preprocessing: BTreeMap::from([(CtfEstimation, Action::ClearAndDelete)]),
        non_final: Some(Action::Clear),
        ..CleanupOptions::default()
    };
    let json = serde_json::to_value(&options).unwrap();
    assert_eq!(json["preprocessing"]["ctf-estimation"], "clear-and-delete");
    let back: CleanupOptions = serde_json::from_value(json).unwrap();
    assert_eq!(back, options);
    // Missing options are off.
    let partial: CleanupOptions = serde_json::from_str(r#"{"killed": "clear"}"#).unwrap();
    assert_eq!(partial.killed, Some(Action::Clear));
    assert!(!partial.intermediate_results && partial.non_final.is_none());

    let jobs = [with_intermediates(
        job(1, Other, Completed, 10),
        &[("iter_001", 4, false)],
    )];
    let plan = plan(
        &jobs,
        &CleanupOptions {
            intermediate_results: true,
            ..CleanupOptions::default()
        },
        100,
    )
    .unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        json["jobs"][0]["change"]["clear-intermediates"]["names"][0],
        "iter_001"
    );
    assert_eq!(json["jobs"][0]["reason"], "intermediate-results");
    let back: Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn non_preprocessing_category_is_refused_by_name() {
    for category in [Import, Other] {
        let err = plan(&[], &preprocessing(category, Action::Clear), 0).unwrap_err();
        assert_eq!(err, PlanError::NotPreprocessing(category));
        assert_eq!(err.field(), format!("preprocessing.{category}"));
        assert!(err.to_string().starts_with(category.as_str()), "{err}");
        let catalog: crate::CatalogError = err.into();
        assert_eq!(
            catalog.field(),
            Some(format!("preprocessing.{category}").as_str())
        );
    }
    for category in Category::PREPROCESSING {
        assert!(plan(&[], &preprocessing(category, Action::Clear), 0).is_ok());
    }
}

#[test]
fn inconsistent_facts_are_refused() {
    let options = CleanupOptions::default();
    let twice = [job(1, Other, Completed, 1), job(1, Other, Completed, 1)];
    assert_eq!(
        plan(&twice, &options, 0),
        Err(PlanError::DuplicateJob { id: 1 })
    );
    let too_big = [with_intermediates(
        job(1, Other, Completed, 10),
        &[("a", 6, false), ("b", 5, true)],
    )];
    assert!(matches!(
        plan(&too_big, &options, 0),
        Err(PlanError::IntermediatesExceedSize {
            intermediates: 11,
            size_bytes: 10,
            ..
        })
    ));
    let same_name = [with_intermediates(
        job(1, Other, Completed, 10),
        &[("a", 1, false), ("a", 1, false)],
    )];
    assert!(matches!(
        plan(&same_name, &options, 0),
        Err(PlanError::DuplicateIntermediate { .. })
    ));
}

#[test]
fn workspace_scope_includes_linked_jobs_only() {
    let mut in_one = job(1, Extraction, Completed, 10);
    in_one.workspaces = vec![1];
    let mut linked = job(2, Extraction, Completed, 20);
    linked.workspaces = vec![2, 1];
    let mut elsewhere = job(3, Extraction, Completed, 40);
    elsewhere.workspaces = vec![2];
    let mut nowhere = job(4, Extraction, Completed, 80);
    nowhere.workspaces = vec![];
    let jobs = [in_one, linked, elsewhere, nowhere];

    let mut options = preprocessing(Extraction, Action::Clear);
    options.workspace = Some(1);
    let p = plan(&jobs, &options, 1000).unwrap();
    assert_eq!(changes(&p), [(1, Change::Clear), (2, Change::Clear)]);
    assert_eq!((p.preview.scope_jobs, p.preview.scope_bytes), (2, 30));

    options.workspace = None;
    let p = plan(&jobs, &options, 1000).unwrap();
    assert_eq!(p.jobs.len(), 4);
    assert_eq!(p.preview.scope_bytes, 150);
}

#[test]
fn final_jobs_are_never_touched() {
    let jobs = [
        final_(job(1, Extraction, Completed, 10)),
        final_(job(2, Other, Killed, 10)),
        final_(job(3, Other, Failed, 10)),
        final_(with_intermediates(
            job(4, Other, Completed, 10),
            &[("iter_0", 5, false)],
        )),
        // Final and ancestor of another final.
        ancestor(final_(job(5, MotionCorrection, Completed, 10))),
    ];
    let options = CleanupOptions {
        workspace: None,
        preprocessing: Category::PREPROCESSING
            .into_iter()
            .map(|c| (c, Action::ClearAndDelete))
            .collect(),
        intermediate_results: true,
        non_final: Some(Action::ClearAndDelete),
        killed: Some(Action::ClearAndDelete),
        failed: Some(Action::ClearAndDelete),
    };
    let p = plan(&jobs, &options, 100).unwrap();
    assert!(p.jobs.is_empty(), "{:?}", p.jobs);
    assert_eq!(p.preview.estimate.bytes_freed, 0);
    // Protected data is not offered in the intermediate results tab.
    assert!(p.preview.intermediate_results.is_empty());
    assert_eq!(p.preview.finality.final_results.count, 5);
    assert_eq!(p.preview.finality.ancestors_of_final.count, 0);
}

#[test]
fn ancestors_of_final_are_cleared_never_deleted() {
    let jobs = [
        ancestor(job(1, MotionCorrection, Completed, 100)),
        job(2, MotionCorrection, Completed, 50),
        ancestor(job(3, Other, Killed, 7)),
        job(4, Other, Killed, 3),
    ];
    let options = CleanupOptions {
        killed: Some(Action::ClearAndDelete),
        ..preprocessing(MotionCorrection, Action::ClearAndDelete)
    };
    let p = plan(&jobs, &options, 1000).unwrap();
    assert_eq!(
        changes(&p),
        [
            (1, Change::Clear),
            (2, Change::Delete),
            (3, Change::Clear),
            (4, Change::Delete)
        ]
    );
    assert_eq!(p.jobs[0].reason, Reason::Preprocessing);
    assert_eq!(p.jobs[2].reason, Reason::Killed);
    assert_eq!(p.preview.estimate.jobs_cleared, 2);
    assert_eq!(p.preview.estimate.jobs_deleted, 2);
}

#[test]
fn non_final_skips_ancestors_and_finals() {
    let jobs = [
        final_(job(1, Other, Completed, 1)),
        ancestor(job(2, Other, Completed, 2)),
        job(3, Other, Completed, 4),
        job(4, Import, Building, 0),
    ];
    let options = CleanupOptions {
        non_final: Some(Action::ClearAndDelete),
        ..CleanupOptions::default()
    };
    let p = plan(&jobs, &options, 100).unwrap();
    // A building job with nothing on disk is still deleted: the job goes.
    assert_eq!(changes(&p), [(3, Change::Delete), (4, Change::Delete)]);
    assert!(p.jobs.iter().all(|j| j.reason == Reason::NonFinal));

    let options = CleanupOptions {
        non_final: Some(Action::Clear),
        ..CleanupOptions::default()
    };
    let p = plan(&jobs, &options, 100).unwrap();
    // Clearing the empty building job would change nothing.
    assert_eq!(changes(&p), [(3, Change::Clear)]);
}

#[test]
fn killed_and_failed_select_by_status() {
    let jobs = [
        job(1, Other, Killed, 10),
        job(2, Other, Failed, 20),
        job(3, Other, Completed, 40),
    ];
    let options = CleanupOptions {
        killed: Some(Action::Clear),
        failed: Some(Action::ClearAndDelete),
        ..CleanupOptions::default()
    };
    let p = plan(&jobs, &options, 100).unwrap();
    assert_eq!(changes(&p), [(1, Change::Clear), (2, Change::Delete)]);
    assert_eq!(p.preview.estimate.bytes_freed, 30);
    assert!((p.preview.estimate.share_of_project - 0.3).abs() < 1e-12);
}

#[test]
fn strongest_change_wins() {
    let jobs = [
        with_intermediates(job(1, Extraction, Completed, 100), &[("i", 10, false)]),
        with_intermediates(
            ancestor(job(2, Extraction, Failed, 100)),
            &[("i", 10, false)],
        ),
        with_intermediates(job(3, Other, Completed, 100), &[("i", 10, false)]),
    ];
    let options = CleanupOptions {
        preprocessing: BTreeMap::from([(Extraction, Action::Clear)]),
        intermediate_results: true,
        non_final: Some(Action::ClearAndDelete),
        failed: Some(Action::ClearAndDelete),
        ..CleanupOptions::default()
    };
    let p = plan(&jobs, &options, 1000).unwrap();
    // 1: preprocessing clear < non-final delete. 2: ancestor, so failed's
    // delete is a clear, tying preprocessing's (named first). 3: delete
    // beats intermediates.
    assert_eq!(
        p.jobs
            .iter()
            .map(|j| (j.id, j.change.clone(), j.reason, j.bytes_freed))
            .collect::<Vec<_>>(),
        [
            (1, Change::Delete, Reason::NonFinal, 100),
            (2, Change::Clear, Reason::Preprocessing, 100),
            (3, Change::Delete, Reason::NonFinal, 100),
        ]
    );
    assert_eq!(p.preview.estimate.jobs_intermediates_cleared, 0);
    assert_eq!(p.preview.estimate.bytes_freed, 300);
}

#[test]
fn intermediates_keep_used_ones_and_spare_finals() {
    let jobs = [
        with_intermediates(
            job(1, Other, Completed, 100),
            &[
                ("iter_1", 10, false),
                ("iter_2", 20, true),
                ("iter_3", 30, false),
            ],
        ),
        with_intermediates(job(2, Other, Completed, 100), &[("iter_1", 10, true)]),
        with_intermediates(ancestor(job(3, Other, Killed, 50)), &[("iter_1", 5, false)]),
        with_intermediates(
            final_(job(4, Other, Completed, 50)),
            &[("iter_1", 5, false)],
        ),
        with_intermediates(job(5, Other, Running, 50), &[("iter_1", 5, false)]),
    ];
    let options = CleanupOptions {
        intermediate_results: true,
        ..CleanupOptions::default()
    };
    let p = plan(&jobs, &options, 1000).unwrap();
    assert_eq!(
        changes(&p),
        [
            (
                1,
                Change::ClearIntermediates {
                    names: vec!["iter_1".into(), "iter_3".into()]
                }
            ),
            (
                3,
                Change::ClearIntermediates {
                    names: vec!["iter_1".into()]
                }
            ),
        ]
    );
    assert_eq!(p.jobs[0].bytes_freed, 40);
    assert_eq!(p.preview.estimate.bytes_freed, 45);
    assert_eq!(p.preview.estimate.jobs_intermediates_cleared, 2);
    assert_eq!(p.preview.estimate.jobs_skipped_running, 1);
    assert_eq!(
        p.preview.intermediate_results,
        [
            IntermediateRow {
                id: 1,
                uid: "J1".into(),
                bytes: 40
            },
            IntermediateRow {
                id: 3,
                uid: "J3".into(),
                bytes: 5
            },
        ]
    );
}

#[test]
fn running_jobs_are_skipped_and_counted() {
    let mut jobs: Vec<JobFacts> = Status::ALL
        .into_iter()
        .zip(1..)
        .map(|(status, id)| job(id, CtfEstimation, status, 10))
        .collect();
    jobs.push(job(100, Other, Running, 10)); // selected by nothing
    let p = plan(
        &jobs,
        &preprocessing(CtfEstimation, Action::ClearAndDelete),
        1000,
    )
    .unwrap();
    let touched: Vec<Status> = p
        .jobs
        .iter()
        .map(|pj| jobs.iter().find(|j| j.id == pj.id).unwrap().status)
        .collect();
    assert_eq!(touched, [Building, Completed, Killed, Failed]);
    assert_eq!(p.preview.estimate.jobs_skipped_running, 5);
}

#[test]
fn clearing_what_is_already_clear_is_no_change() {
    let jobs = [
        job(1, Extraction, Building, 0),
        job(2, Extraction, Building, 5),
        job(3, Extraction, Completed, 0),
        with_intermediates(job(4, Extraction, Building, 0), &[("i", 0, true)]),
    ];
    let p = plan(&jobs, &preprocessing(Extraction, Action::Clear), 1000).unwrap();
    assert_eq!(
        p.jobs
            .iter()
            .map(|j| (j.id, j.bytes_freed))
            .collect::<Vec<_>>(),
        [(2, 5), (3, 0), (4, 0)]
    );
    assert_eq!(p.preview.estimate.jobs_cleared, 3);
}

#[test]
fn preview_breakdowns() {
    let jobs = [
        job(1, Import, Completed, 10),
        final_(job(2, MotionCorrection, Completed, 200)),
        ancestor(job(3, CtfEstimation, Completed, 30)),
        job(4, Extraction, Killed, 400),
        job(5, Other, Failed, 160),
        job(6, Restack, Completed, 200),
    ];
    let p = plan(&jobs, &CleanupOptions::default(), 2000).unwrap();
    assert!(p.jobs.is_empty());
    let v = &p.preview;
    assert_eq!((v.scope_jobs, v.scope_bytes), (6, 1000));
    let pre = &v.preprocessing;
    assert_eq!(pre.categories.len(), 5);
    assert_eq!(
        pre.categories[&MotionCorrection],
        Row {
            count: 1,
            bytes: 200,
            share: 0.2
        }
    );
    assert_eq!(pre.categories[&ParticlePicking], Row::default());
    assert_eq!(
        pre.non_preprocessing,
        Row {
            count: 2,
            bytes: 170,
            share: 0.17
        }
    );
    assert_eq!(
        pre.total,
        Row {
            count: 6,
            bytes: 1000,
            share: 1.0
        }
    );
    assert_eq!(v.finality.final_results.bytes, 200);
    assert_eq!(v.finality.ancestors_of_final.bytes, 30);
    assert_eq!(
        v.finality.non_final,
        Row {
            count: 4,
            bytes: 770,
            share: 0.77
        }
    );
    assert_eq!(
        (
            v.by_status.killed.bytes,
            v.by_status.failed.bytes,
            v.by_status.other.bytes
        ),
        (400, 160, 440)
    );
    assert_eq!(v.by_status.other.count, 4);
    assert!(!v.estimate.project_bytes_stale);
    assert_eq!(v.estimate.share_of_project, 0.0);
}

#[test]
fn estimate_share_and_stale_project_size() {
    let jobs = [job(1, Other, Killed, 300), job(2, Other, Completed, 700)];
    let options = CleanupOptions {
        killed: Some(Action::Clear),
        ..CleanupOptions::default()
    };
    let p = plan(&jobs, &options, 1200).unwrap();
    assert!((p.preview.estimate.share_of_project - 0.25).abs() < 1e-12);
    assert!(!p.preview.estimate.project_bytes_stale);
    let p = plan(&jobs, &options, 900).unwrap();
    assert!(p.preview.estimate.project_bytes_stale);
    let p = plan(&jobs, &options, 0).unwrap();
    assert_eq!(p.preview.estimate.share_of_project, 0.0);
    assert!(p.preview.estimate.project_bytes_stale);
    // Empty project, empty preview, no division by zero.
    let p = plan(&[], &options, 0).unwrap();
    assert_eq!(p.preview.preprocessing.total, Row::default());
    assert!(!p.preview.estimate.project_bytes_stale);
}
