//! ISO 3166-1 alpha-2 country codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every officially assigned ISO 3166-1 alpha-2 code, sorted.
const ASSIGNED: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK \
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU \
GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY \
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU \
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code such as `IT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

/// The text was not an assigned ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ISO 3166-1 alpha-2 country code (two capital letters such as IT, BG, DE, LT)")]
pub struct UnknownCountry(pub String);

impl Country {
    /// The countries witgis covers, in the order every list shows them: the
    /// one place they are named (the shipped outlines, populations and the
    /// page's country list follow it; `/api/config` serves it).
    pub const COVERED: [Country; 4] = [Country(*b"IT"), Country(*b"BG"), Country(*b"DE"), Country(*b"LT")];

    /// Is this one of [`Country::COVERED`]?
    pub fn is_covered(self) -> bool {
        Country::COVERED.contains(&self)
    }

    /// The covered countries' codes, comma-separated ("IT, BG, DE, LT"), for
    /// messages.
    pub fn covered_list() -> String {
        Country::COVERED.map(|c| c.to_string()).join(", ")
    }

    /// The two capital letters.
    pub fn as_str(&self) -> &str {
        // The bytes are always two ASCII capitals (checked in `from_str`).
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for Country {
    type Err = UnknownCountry;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim();
        let ok = code.len() == 2
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && ASSIGNED.split(' ').any(|c| c == code);
        if !ok {
            return Err(UnknownCountry(code.to_owned()));
        }
        let b = code.as_bytes();
        Ok(Country([b[0], b[1]]))
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl utoipa::PartialSchema for Country {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An ISO 3166-1 alpha-2 country code such as IT"))
            .enum_values(Some(ASSIGNED.split(' ')))
            .into()
    }
}

impl utoipa::ToSchema for Country {}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_assigned_codes_only() {
        for ok in ["IT", "BG", "DE", "LT", "US"] {
            assert_eq!(ok.parse::<Country>().map(|c| c.to_string()), Ok(ok.to_owned()));
        }
        for bad in ["it", "XX", "ITA", "", "I"] {
            assert!(bad.parse::<Country>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn covered_countries_are_assigned_codes() {
        for c in Country::COVERED {
            assert_eq!(c.as_str().parse::<Country>(), Ok(c));
            assert!(c.is_covered());
        }
        assert!(!"FR".parse::<Country>().is_ok_and(Country::is_covered));
        assert_eq!(Country::covered_list(), "IT, BG, DE, LT");
    }
}
