//! The vendor's hosts, one router each: `webra2` (the RA: top page,
//! download page, login, issuance), `webra1` (the confirmation page) and
//! `repository` (repo1 and repository: certificates and CRLs).

pub(crate) mod repository;
pub(crate) mod webra1;
pub(crate) mod webra2;
