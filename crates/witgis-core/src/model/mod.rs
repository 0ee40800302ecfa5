//! The domain: resources and the vocabularies they are described with.

pub mod area;
pub mod area_ref;
pub mod checks;
pub mod country;
pub mod demand;
pub mod hours;
pub mod outline;
pub mod provenance;
pub mod resource;
pub mod status;
pub mod text;
pub mod vocab;

pub use area::{Area, AreaKind};
pub use checks::{FieldError, ValidationErrors};
pub use country::Country;
pub use provenance::Provenance;
pub use resource::{Location, Resource};
pub use status::{Alert, AlertKind, ServiceStatus, Unavailable};
pub use vocab::{Access, Category, CoordPrecision, Cost, Topic};
