//! Overfit Lab in the browser. Thin entry point: panic reporting, then the app.

mod app;
mod backend;
mod components;
mod embed;
mod pages;
mod query;
mod runner;
mod time;

fn main() {
    console_error_panic_hook::set_once();
    app::install_crash_overlay();
    leptos::mount::mount_to_body(app::App);
}
