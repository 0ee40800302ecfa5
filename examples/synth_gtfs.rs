//! Writes the synthetic large-city GTFS feed of the transit benchmark
//! (10 000 stops, 1 000 000 stop times around Rome) into a folder, to
//! measure `witgis import-gtfs`: `cargo run --example synth_gtfs -- DIR`.

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "synth-gtfs".into());
    let tt =
        witgis::transit::synth::timetable(witgis::transit::synth::Size::LARGE_CITY, [12.4964, 41.9028], 42);
    witgis::transit::synth::write_gtfs(&tt, std::path::Path::new(&dir))?;
    eprintln!("{dir}: {} stops, {} trips, {} stop times", tt.stops.len(), tt.trips.len(), tt.stop_times());
    Ok(())
}
