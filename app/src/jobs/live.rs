//! The browser's end of a job's Server-Sent Events stream (compiled into the WASM only).

use super::JobEvent;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

/// An open subscription; dropping it closes the connection.
pub struct Follow {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    _on_missed: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Follows `job_id`'s events after `after`. When the connection drops mid-run the browser
/// reconnects by itself, sending Last-Event-ID. When the server ends the stream after the run's
/// terminal event, the connection is closed here — otherwise the browser would keep
/// reconnecting to a stream that has ended. (A replay may hold a terminal event followed by a
/// retry's events, so only the end of the stream, not a terminal event, decides.)
pub fn follow(job_id: &str, after: i64, on_event: impl FnMut(JobEvent) + 'static) -> Option<Follow> {
    open(&format!("/api/jobs/{job_id}/events?after={after}"), true, on_event, None::<fn()>)
}

/// Follows every job of the signed-in person as it changes (My videos), over one connection
/// whatever the number of jobs on the page: new jobs (`queued`), progress, endings and
/// deletions. It never ends by itself; the browser reconnects. This stream has no replay, so
/// `on_missed` is called when events may have been missed — the server says its queue
/// overflowed (`lagged`), or the connection was re-opened — and the page should read its list
/// again.
pub fn follow_mine(on_event: impl FnMut(JobEvent) + 'static, on_missed: impl FnMut() + 'static) -> Option<Follow> {
    open("/api/jobs/events", false, on_event, Some(on_missed))
}

fn open(
    url: &str,
    ends_after_terminal: bool,
    mut on_event: impl FnMut(JobEvent) + 'static,
    on_missed: Option<impl FnMut() + 'static>,
) -> Option<Follow> {
    use std::{cell::Cell, rc::Rc};
    let source = EventSource::new(url).ok()?;
    let last_was_terminal = Rc::new(Cell::new(false));
    let on_message = {
        let last_was_terminal = last_was_terminal.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else { return };
            let Ok(event) = serde_json::from_str::<JobEvent>(&text) else { return };
            last_was_terminal.set(event.kind.is_terminal());
            on_event(event);
        })
    };
    let on_error = {
        let closer = source.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if ends_after_terminal && last_was_terminal.get() {
                closer.close();
            }
        })
    };
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let on_missed = on_missed.map(|mut on_missed| {
        // The first `open` is the subscription starting; every later one is a reconnect.
        let opened = Cell::new(0u32);
        let missed = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if event.type_() == "open" {
                opened.set(opened.get() + 1);
                if opened.get() == 1 {
                    return;
                }
            }
            on_missed();
        });
        for kind in ["open", "lagged"] {
            let _ = source.add_event_listener_with_callback(kind, missed.as_ref().unchecked_ref());
        }
        missed
    });
    Some(Follow { source, _on_message: on_message, _on_error: on_error, _on_missed: on_missed })
}

/// Milliseconds since the epoch, by the browser's clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
