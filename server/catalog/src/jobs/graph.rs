//! The job graph: which jobs feed, directly or through others, a final result.
//!
//! Pure: takes ids and edges, touches no database.

use std::collections::{BTreeSet, HashMap, HashSet};

/// Every job upstream of a final job, transitively: the jobs the cleanup
/// tool must never delete (seed 001, "ancestor of final").
///
/// `edges` are `(downstream, upstream)` pairs: the downstream job took an
/// output of the upstream one as input. The walk follows every edge, even
/// through ids that are not in `jobs` (a job the caller did not list still
/// links its neighbours: protecting too much is the safe mistake), but only
/// ids in `jobs` are reported. Finals not in `jobs` are still walked from.
///
/// A final job is reported only when it is itself upstream of a final job
/// (a final refinement that feeds another final result): it is then both
/// final and ancestor of final. Finality still wins for protection; the
/// planner never touches a final job whatever this says. By the same rule a
/// final job on a cycle (which a real job graph never has, but bad data may)
/// is reported: it is upstream of itself.
///
/// Iterative (no recursion, so no stack overflow on long chains), O(V + E),
/// terminates on cycles.
pub fn ancestors_of_final(jobs: &[i64], edges: &[(i64, i64)], finals: &[i64]) -> BTreeSet<i64> {
    let mut upstream_of: HashMap<i64, Vec<i64>> = HashMap::with_capacity(jobs.len());
    for &(downstream, upstream) in edges {
        upstream_of.entry(downstream).or_default().push(upstream);
    }
    // Every id reached through at least one upstream step.
    let mut reached: HashSet<i64> = HashSet::with_capacity(jobs.len());
    // Ids whose upstreams have been pushed; a final is expanded once even
    // when it is also reached from another final.
    let mut expanded: HashSet<i64> = HashSet::with_capacity(jobs.len());
    let mut stack: Vec<i64> = finals.to_vec();
    while let Some(job) = stack.pop() {
        if !expanded.insert(job) {
            continue;
        }
        for &upstream in upstream_of.get(&job).map(Vec::as_slice).unwrap_or_default() {
            reached.insert(upstream);
            if !expanded.contains(&upstream) {
                stack.push(upstream);
            }
        }
    }
    jobs.iter()
        .copied()
        .filter(|id| reached.contains(id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[i64]) -> BTreeSet<i64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn chain_reports_all_upstream_and_not_the_final() {
        // 1 → 2 → 3 → 4 (4 final), 5 hangs off 2 downstream.
        let jobs = [1, 2, 3, 4, 5];
        let edges = [(2, 1), (3, 2), (4, 3), (5, 2)];
        assert_eq!(ancestors_of_final(&jobs, &edges, &[4]), set(&[1, 2, 3]));
    }

    #[test]
    fn diamond_and_two_finals() {
        //   1
        //  / \
        // 2   3
        //  \ /
        //   4 (final)     6 → 7 (final)
        let jobs = [1, 2, 3, 4, 5, 6, 7];
        let edges = [(2, 1), (3, 1), (4, 2), (4, 3), (7, 6)];
        assert_eq!(
            ancestors_of_final(&jobs, &edges, &[4, 7]),
            set(&[1, 2, 3, 6])
        );
    }

    #[test]
    fn no_finals_no_ancestors() {
        assert!(ancestors_of_final(&[1, 2], &[(2, 1)], &[]).is_empty());
    }

    #[test]
    fn final_upstream_of_final_is_also_an_ancestor() {
        // 1 → 2 (final) → 3 (final)
        let jobs = [1, 2, 3];
        let edges = [(2, 1), (3, 2)];
        assert_eq!(ancestors_of_final(&jobs, &edges, &[2, 3]), set(&[1, 2]));
        // Order of finals does not matter.
        assert_eq!(ancestors_of_final(&jobs, &edges, &[3, 2]), set(&[1, 2]));
    }

    #[test]
    fn cycles_terminate() {
        // 1 → 2 → 3 → 1, and 3 → 4 (final).
        let jobs = [1, 2, 3, 4];
        let edges = [(2, 1), (3, 2), (1, 3), (4, 3)];
        assert_eq!(ancestors_of_final(&jobs, &edges, &[4]), set(&[1, 2, 3]));
        // A final on a cycle is upstream of itself.
        assert_eq!(ancestors_of_final(&jobs, &edges, &[1]), set(&[1, 2, 3]));
        // Self-loop.
        assert_eq!(ancestors_of_final(&[9], &[(9, 9)], &[9]), set(&[9]));
    }

    #[test]
    fn walks_through_unlisted_ids_but_reports_only_listed_ones() {
        // 1 → 99 (unlisted) → 3 (final)
        let edges = [(99, 1), (3, 99)];
        assert_eq!(ancestors_of_final(&[1, 3], &edges, &[3]), set(&[1]));
        // An unlisted final still protects its listed ancestors.
        assert_eq!(ancestors_of_final(&[1], &edges, &[3]), set(&[1]));
    }

    #[test]
    fn long_chain_does_not_recurse() {
        let n = 200_000_i64;
        let jobs: Vec<i64> = (0..n).collect();
        let edges: Vec<(i64, i64)> = (1..n).map(|i| (i, i - 1)).collect();
        let ancestors = ancestors_of_final(&jobs, &edges, &[n - 1]);
        assert_eq!(ancestors.len() as i64, n - 1);
        assert!(!ancestors.contains(&(n - 1)));
    }
}
