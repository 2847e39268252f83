//! Routes that modules above the crate root add to the admin router
//! without the router naming them (the dependency points up to down).

/// The provider-state routes (`POST /states`, `DELETE /states/{id}`), set
/// by `states::enable` in a served process. The admin router merges them
/// behind its token when set; it does not name the `states` module, which
/// starts whole mocks and so sits above the crate root.
pub(crate) static STATE_ROUTES: std::sync::OnceLock<
    fn() -> axum::Router<std::sync::Arc<crate::ra::state::Shared>>,
> = std::sync::OnceLock::new();
