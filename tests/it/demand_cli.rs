//! The demand log run for real: `witgis export-demand` writes every record as
//! CSV, and a server's logs hold nothing a caller sent.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::process::Command;

use witgis::model::Topic;
use witgis::model::demand::{Channel, NewDemand, Requester};

fn record(date: &str, need: Topic, area: &str, point: Option<[f64; 2]>, referred_to: &[&str]) -> NewDemand {
    NewDemand {
        date: date.parse().unwrap(),
        need,
        channel: Channel::InPerson,
        requester: Requester::PersonConcerned,
        area: area.into(),
        point,
        referred_to: referred_to.iter().map(|s| (*s).to_owned()).collect(),
        logged_at: format!("{date}T09:00:00Z").parse().unwrap(),
    }
}

fn export(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_witgis"))
        .arg("export-demand")
        .args(args)
        .args(["--database-url", url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn export_demand_writes_every_record_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let store = witgis::store::open(&url).await.unwrap();
    let a = record(
        "2026-01-05",
        Topic::Housing,
        "it-rm-municipio-02",
        Some([12.516, 41.924]),
        &["it-rm-caritas"],
    );
    let b = record("2026-02-11", Topic::Youth, "it-rm-municipio-01", None, &["it-rm-caritas", "it-rm-arap"]);
    let c = record("2026-03-20", Topic::Crisis, "it-rm-municipio-05", None, &[]);
    for r in [&a, &b, &c] {
        store.log_demand(r, "desk-1").await.unwrap();
    }
    drop(store);

    let out = export(&url, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, witgis::cli::DEMAND_CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let first: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        &first[1..9],
        [
            "2026-01-05",
            "housing",
            "in_person",
            "person_concerned",
            "it-rm-municipio-02",
            "12.516",
            "41.924",
            "it-rm-caritas"
        ]
    );
    assert!(witgis::model::demand::is_id(first[0]), "a random id: {}", first[0]);
    assert_eq!(first[10], "desk-1");
    assert!(first[9].starts_with("20") && first[9].ends_with('Z'), "created_at: {}", first[9]);
    assert_eq!((&rows[1][6], &rows[1][7], &rows[1][8]), ("", "", "it-rm-caritas;it-rm-arap"));
    assert_eq!(&rows[2][8], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("exported 3 demand records"));

    let out = export(&url, &["--from", "2026-02-01", "--to", "2026-02-28"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(out.stdout.as_slice()).records().map(Result::unwrap).collect();
    assert_eq!(rows.iter().map(|r| r[1].to_owned()).collect::<Vec<_>>(), ["2026-02-11"]);

    for bad in [&["--from", "2026-03-01", "--to", "2026-01-01"][..], &["--from", "March"]] {
        let out = export(&url, bad);
        assert!(!out.status.success(), "{bad:?} should fail");
        assert!(out.stdout.is_empty(), "{bad:?} wrote {}", String::from_utf8_lossy(&out.stdout));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_logs_hold_nothing_a_caller_sent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let store = witgis::store::open(&url).await.unwrap();
    store.import_areas(&common::rome_municipi()).await.unwrap();
    drop(store);
    let token = common::http::create_token(&url, "operator", "desk-1");
    let log = dir.path().join("server.log");
    let server = common::http::Server::start_logging(&url, &log, "debug");
    let headers = [("authorization", format!("Bearer {token}")), ("content-type", "application/json".into())];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();

    let refused = r#"{"need": "housing", "channel": "phone", "requester": "other", "area": "it-rm-municipio-02",
                      "name": "Mario Rossi", "phone": "+39 06 98765432", "notes": "lives in via Nomentana"}"#;
    let reply = server.call("POST", "/api/demand", &headers, refused);
    assert_eq!(reply.status, 422, "{}", reply.body);
    let precise = r#"{"need": "youth", "channel": "email", "requester": "family_member",
                      "lon": 12.4823491, "lat": 41.8957612}"#;
    let reply = server.call("POST", "/api/demand", &headers, precise);
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["area"], "it-rm-municipio-01");
    let reply = server.call("GET", "/api/demand/summary?by=area", &headers, "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    drop(server);

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("/api/demand"), "requests are logged at debug: {logged}");
    // Seven decimals: a log timestamp (six) can never hold them by chance.
    for sent in ["Mario", "98765432", "Nomentana", "12.4823491", "41.8957612", &token] {
        assert!(!logged.contains(sent), "the log holds '{sent}'");
    }
}
