//! DataCite Metadata Schema 4.7 records (work in progress).
