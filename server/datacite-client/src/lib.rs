//! A DataCite REST API client (work in progress).
