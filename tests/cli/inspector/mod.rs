//! `listen --ui`: the web inspector (issue 16).

mod browser; // the page in a real headless Chromium (tests/browser/inspector.mjs)
