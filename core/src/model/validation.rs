//! The validation error every model check returns: which field, and why.
//! Checks never write anything; the store only writes what passed them.

/// A field that failed a model rule. `field` is a path such as `visit.main_icd10`
/// or `prescription.lines[2].quantity`, so the app can point at the exact input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ValidationError {}

pub type Checked<T = ()> = Result<T, ValidationError>;
