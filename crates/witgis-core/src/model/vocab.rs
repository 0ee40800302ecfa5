//! Closed vocabularies: the only values a category, topic, precision, access or
//! cost may take. Each parses from and serialises to its snake_case name.

/// The value was not one of the vocabulary's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{value}'; expected one of: {allowed}")]
pub struct UnknownWord {
    /// What kind of word was expected (e.g. "category").
    pub what: &'static str,
    /// The value that was given.
    pub value: String,
    /// The accepted words, comma separated.
    pub allowed: String,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every word of the vocabulary, in a stable order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word as it appears in the API and the data files.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Position in [`Self::ALL`]; handy as a dense array index.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::vocab::UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($word => Ok($name::$variant),)+
                    other => Err($crate::model::vocab::UnknownWord {
                        what: $what,
                        value: other.to_owned(),
                        allowed: [$($word),+].join(", "),
                    }),
                }
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary! {
    /// What kind of place or programme a resource is.
    Category, "category" {
        Library = "library",
        TrainingResearchCentre = "training_research_centre",
        University = "university",
        ProfessionalAssociation = "professional_association",
        GoodPractice = "good_practice",
        MentalHealthCentre = "mental_health_centre",
        DayCentre = "day_centre",
        SelfHelpGroup = "self_help_group",
        CrisisService = "crisis_service",
        OtherService = "other_service",
    }
}

impl Category {
    /// The order the page's legend and filters list the categories in: the
    /// services a person in need turns to first, then those who train and
    /// study (served in `/api/vocabulary`).
    pub const LEGEND: [Category; 10] = [
        Category::MentalHealthCentre,
        Category::DayCentre,
        Category::SelfHelpGroup,
        Category::CrisisService,
        Category::OtherService,
        Category::GoodPractice,
        Category::Library,
        Category::University,
        Category::TrainingResearchCentre,
        Category::ProfessionalAssociation,
    ];
}

vocabulary! {
    /// A need a resource answers (the reference data's closed topic list).
    Topic, "topic" {
        SocialWorkEducation = "social_work_education",
        ContinuingTraining = "continuing_training",
        Research = "research",
        LibraryServices = "library_services",
        PeerSupport = "peer_support",
        SelfHelp = "self_help",
        Socialisation = "socialisation",
        JobPlacement = "job_placement",
        Housing = "housing",
        Counselling = "counselling",
        Crisis = "crisis",
        FamilySupport = "family_support",
        MentalHealthCare = "mental_health_care",
        Rehabilitation = "rehabilitation",
        ELearning = "e_learning",
        Intergenerational = "intergenerational",
        Disability = "disability",
        Women = "women",
        Youth = "youth",
        /// Mental health services for children and adolescents (in Italy
        /// the TSMREE, in Germany the Kinder- und Jugendpsychiatrie).
        ChildAdolescent = "child_adolescent",
    }
}

vocabulary! {
    /// How precisely a resource's point gives its real position.
    CoordPrecision, "coord_precision" {
        Building = "building",
        Street = "street",
        District = "district",
        City = "city",
    }
}

vocabulary! {
    /// How a person gets in.
    Access, "access" {
        WalkIn = "walk_in",
        Appointment = "appointment",
        ReferralRequired = "referral_required",
    }
}

vocabulary! {
    /// Whether using the service costs money.
    Cost, "cost" {
        Free = "free",
        Fee = "fee",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_through_its_name() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(*c));
            assert_eq!(serde_json::to_string(c).ok(), Some(format!("\"{c}\"")));
        }
        for t in Topic::ALL {
            assert_eq!(t.as_str().parse::<Topic>(), Ok(*t));
        }
    }

    #[test]
    fn index_matches_position_in_all() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }

    #[test]
    fn unknown_word_lists_the_allowed_ones() {
        let err = "museum".parse::<Category>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown category 'museum'"), "{text}");
        assert!(text.contains("good_practice"), "{text}");
    }
}
