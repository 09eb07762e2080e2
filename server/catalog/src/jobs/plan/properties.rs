//! Property tests over random job graphs: the rules that protect data hold
//! whatever the graph and the options.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::*;
use crate::jobs::graph::ancestors_of_final;

/// What cleaning does to the facts: the plan carried out on paper.
fn apply(facts: &[JobFacts], plan: &Plan) -> Vec<JobFacts> {
    let changes: HashMap<i64, &Change> = plan.jobs.iter().map(|p| (p.id, &p.change)).collect();
    facts
        .iter()
        .filter_map(|job| {
            let mut job = job.clone();
            match changes.get(&job.id) {
                None => {}
                Some(Change::Delete) => return None,
                Some(Change::Clear) => {
                    job.status = Status::Building;
                    job.size_bytes = 0;
                    job.intermediates.clear();
                }
                Some(Change::ClearIntermediates { names }) => {
                    let (gone, kept) = job
                        .intermediates
                        .into_iter()
                        .partition::<Vec<_>, _>(|i| names.contains(&i.name));
                    job.size_bytes -= gone.iter().map(|i| i.size_bytes).sum::<u64>();
                    job.intermediates = kept;
                }
            }
            Some(job)
        })
        .collect()
}

fn total_bytes(facts: &[JobFacts]) -> u64 {
    facts.iter().map(|j| j.size_bytes).sum()
}

fn action() -> impl Strategy<Value = Option<Action>> {
    prop_oneof![
        Just(None),
        Just(Some(Action::Clear)),
        Just(Some(Action::ClearAndDelete))
    ]
}

fn options() -> impl Strategy<Value = CleanupOptions> {
    (
        proptest::option::of(1..4i32),
        proptest::collection::btree_map(
            select(Category::PREPROCESSING.to_vec()),
            prop_oneof![Just(Action::Clear), Just(Action::ClearAndDelete)],
            0..=5,
        ),
        any::<bool>(),
        action(),
        action(),
        action(),
    )
        .prop_map(
            |(workspace, preprocessing, intermediate_results, non_final, killed, failed)| {
                CleanupOptions {
                    workspace,
                    preprocessing,
                    intermediate_results,
                    non_final,
                    killed,
                    failed,
                }
            },
        )
}

/// A random DAG of up to 200 jobs (each job's inputs come from earlier
/// jobs), with ancestors of final computed by `graph.rs`.
fn project() -> impl Strategy<Value = Vec<JobFacts>> {
    project_with_edges().prop_map(|(jobs, _)| jobs)
}

/// [`project`], with its `(downstream, upstream)` edges.
fn project_with_edges() -> impl Strategy<Value = (Vec<JobFacts>, Vec<(i64, i64)>)> {
    let job = (
        select(Category::ALL.to_vec()),
        select(Status::ALL.to_vec()),
        prop_oneof![Just(0u64), 0u64..1 << 40],
        proptest::collection::vec((0u64..1 << 30, any::<bool>()), 0..4),
        proptest::collection::btree_set(1..4i32, 0..3),
        proptest::bool::weighted(0.1),
        proptest::collection::vec(any::<Index>(), 0..4),
    );
    proptest::collection::vec(job, 0..200).prop_map(|raw| {
        // Ids are neither dense nor in index order's obvious image.
        let id = |i: usize| (i as i64) * 7 + 3;
        let mut edges = Vec::new();
        let mut finals = Vec::new();
        let mut jobs: Vec<JobFacts> = Vec::with_capacity(raw.len());
        for (i, (category, status, extra, intermediates, workspaces, is_final, inputs)) in
            raw.into_iter().enumerate()
        {
            if i > 0 {
                edges.extend(inputs.iter().map(|input| (id(i), id(input.index(i)))));
            }
            if is_final {
                finals.push(id(i));
            }
            let intermediates: Vec<Intermediate> = intermediates
                .into_iter()
                .enumerate()
                .map(|(k, (size_bytes, used_downstream))| Intermediate {
                    name: format!("iter_{k:03}"),
                    size_bytes,
                    used_downstream,
                })
                .collect();
            jobs.push(JobFacts {
                id: id(i),
                uid: format!("J{}", i + 1),
                category,
                status,
                is_final,
                is_ancestor_of_final: false,
                size_bytes: extra + intermediates.iter().map(|i| i.size_bytes).sum::<u64>(),
                intermediates,
                workspaces: workspaces.into_iter().collect(),
            });
        }
        let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
        let ancestors = ancestors_of_final(&ids, &edges, &finals);
        for job in &mut jobs {
            job.is_ancestor_of_final = ancestors.contains(&job.id);
        }
        (jobs, edges)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn protected_and_running_jobs_are_safe(
        jobs in project(), options in options(), project_extra in 0u64..1 << 40,
    ) {
        let project_bytes = total_bytes(&jobs) + project_extra;
        let plan = plan(&jobs, &options, project_bytes).unwrap();
        let facts: HashMap<i64, &JobFacts> = jobs.iter().map(|j| (j.id, j)).collect();
        for planned in &plan.jobs {
            let job = facts[&planned.id];
            // (1) No final job and no ancestor of final is ever deleted.
            if job.is_final || job.is_ancestor_of_final {
                prop_assert_ne!(&planned.change, &Change::Delete, "{:?}", job);
            }
            // (2) No final job is in the plan at all.
            prop_assert!(!job.is_final, "{:?}", job);
            // (4) With a workspace, nothing outside it is touched.
            if let Some(workspace) = options.workspace {
                prop_assert!(job.workspaces.contains(&workspace), "{:?}", job);
            }
            // (5) Running jobs are never touched.
            prop_assert!(!job.status.is_running(), "{:?}", job);
            // Only used intermediates are kept.
            if let Change::ClearIntermediates { names } = &planned.change {
                prop_assert!(!names.is_empty());
                for name in names {
                    let i = job.intermediates.iter().find(|i| &i.name == name).unwrap();
                    prop_assert!(!i.used_downstream);
                }
            }
            // Every change was asked for by the option it names.
            let asked = match planned.reason {
                Reason::Preprocessing => options.preprocessing.get(&job.category).copied(),
                Reason::NonFinal if !job.is_ancestor_of_final => options.non_final,
                Reason::Killed if job.status == Status::Killed => options.killed,
                Reason::Failed if job.status == Status::Failed => options.failed,
                Reason::IntermediateResults if options.intermediate_results => None,
                other => return Err(TestCaseError::fail(format!("{other} for {job:?}"))),
            };
            match (&planned.change, asked) {
                (Change::Delete, Some(Action::ClearAndDelete)) => {}
                (Change::Clear, Some(_)) => {}
                (Change::ClearIntermediates { .. }, None) => {}
                (change, asked) => {
                    return Err(TestCaseError::fail(format!("{change:?} from {asked:?}")));
                }
            }
        }
        // Sorted by id, each job once.
        prop_assert!(plan.jobs.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn bytes_freed_is_what_applying_the_plan_removes(
        jobs in project(), options in options(),
    ) {
        let plan = plan(&jobs, &options, total_bytes(&jobs)).unwrap();
        let estimate = &plan.preview.estimate;
        // (3) The estimate is the sum of the jobs, and the jobs' sum is what
        // carrying the plan out takes off the disk.
        let sum: u64 = plan.jobs.iter().map(|p| p.bytes_freed).sum();
        prop_assert_eq!(estimate.bytes_freed, sum);
        let after = apply(&jobs, &plan);
        prop_assert_eq!(total_bytes(&jobs) - total_bytes(&after), estimate.bytes_freed);
        prop_assert_eq!(
            estimate.jobs_cleared + estimate.jobs_intermediates_cleared + estimate.jobs_deleted,
            estimate.total_modified
        );
        prop_assert_eq!(estimate.total_modified, plan.jobs.len() as u64);
        prop_assert!(estimate.share_of_project <= 1.0);
        prop_assert!(!estimate.project_bytes_stale);
        // Jobs outside the workspace come out exactly as they went in.
        for job in jobs.iter().filter(|j| !options.in_scope(j)) {
            prop_assert_eq!(after.iter().find(|a| a.id == job.id), Some(job));
        }
    }

    #[test]
    fn a_cleanup_leaves_nothing_for_the_same_cleanup(
        jobs in project(), options in options(),
    ) {
        let first = plan(&jobs, &options, total_bytes(&jobs)).unwrap();
        let after = apply(&jobs, &first);
        let second = plan(&after, &options, total_bytes(&after)).unwrap();
        prop_assert_eq!(&second.jobs, &vec![]);
        // Nothing selected was missed: every unused intermediate of a job
        // the tool may touch is gone, and clear-and-delete of non-final
        // jobs left none.
        for job in after.iter().filter(|j| options.in_scope(j)) {
            if job.is_final || job.status.is_running() {
                continue;
            }
            if options.intermediate_results {
                prop_assert!(job.intermediates.iter().all(|i| i.used_downstream), "{:?}", job);
            }
            if options.non_final == Some(Action::ClearAndDelete) {
                prop_assert!(job.is_ancestor_of_final, "{:?}", job);
            }
        }
    }

    #[test]
    fn preview_partitions_add_up(jobs in project(), options in options()) {
        let plan = plan(&jobs, &options, 0).unwrap();
        let v = &plan.preview;
        let pre = &v.preprocessing;
        let sum = |rows: &[Row]| rows.iter().fold((0, 0), |(n, b), r| (n + r.count, b + r.bytes));
        let mut rows: Vec<Row> = pre.categories.values().copied().collect();
        rows.push(pre.non_preprocessing);
        let total = (v.scope_jobs, v.scope_bytes);
        prop_assert_eq!(sum(&rows), total);
        prop_assert_eq!((pre.total.count, pre.total.bytes), total);
        let f = &v.finality;
        prop_assert_eq!(sum(&[f.final_results, f.ancestors_of_final, f.non_final]), total);
        let s = &v.by_status;
        prop_assert_eq!(sum(&[s.killed, s.failed, s.other]), total);
    }

    #[test]
    fn non_preprocessing_options_are_refused(
        category in select(vec![Category::Import, Category::Other]),
        mut options in options(),
    ) {
        options.preprocessing.insert(category, Action::Clear);
        prop_assert_eq!(plan(&[], &options, 0), Err(PlanError::NotPreprocessing(category)));
    }

    #[test]
    fn graph_ancestors_match_a_naive_closure((jobs, edges) in project_with_edges()) {
        // graph.rs against the definition, by a fixpoint: an input of a
        // final job or of an ancestor of final is an ancestor of final.
        let mut naive: std::collections::BTreeSet<i64> = Default::default();
        let finals: HashSet<i64> = jobs.iter().filter(|j| j.is_final).map(|j| j.id).collect();
        loop {
            let before = naive.len();
            for &(downstream, upstream) in &edges {
                if finals.contains(&downstream) || naive.contains(&downstream) {
                    naive.insert(upstream);
                }
            }
            if naive.len() == before {
                break;
            }
        }
        let computed: std::collections::BTreeSet<i64> =
            jobs.iter().filter(|j| j.is_ancestor_of_final).map(|j| j.id).collect();
        prop_assert_eq!(computed, naive);
    }
}
