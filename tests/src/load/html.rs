//! The report as a self-contained HTML page.

use crate::load::stats::{LoadReport, summary};

/// A self-contained HTML page: latency over time and the latency
/// histogram as inline SVG, the summary as text.
pub fn html(r: &LoadReport) -> String {
    let (w, h) = (1100.0_f64, 320.0_f64);
    let (left, bottom, top, right) = (60.0, 40.0, 20.0, 20.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    // Latency over time.
    let tmax = r.timeline.iter().map(|p| p.0).fold(0.0, f64::max).max(1e-3);
    let lmax = r.timeline.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-3);
    let mut over_time = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' role='img' aria-label='latency over time'>\
         <rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#999'/>"
    );
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let y = top + ph - f * ph;
        let x = left + f * pw;
        over_time.push_str(&format!(
            "<line x1='{left}' x2='{}' y1='{y}' y2='{y}' stroke='#ddd'/>\
             <text x='{}' y='{}' font-size='11' text-anchor='end'>{:.1} ms</text>\
             <text x='{x}' y='{}' font-size='11' text-anchor='middle'>{:.1} s</text>",
            left + pw,
            left - 4.0,
            y + 4.0,
            f * lmax,
            top + ph + 16.0,
            f * tmax
        ));
    }
    for (t, l, ok) in &r.timeline {
        let x = left + t / tmax * pw;
        let y = top + ph - l / lmax * ph;
        let colour = if *ok { "#1f77b4" } else { "#d62728" };
        over_time.push_str(&format!(
            "<circle cx='{x:.1}' cy='{y:.1}' r='1.6' fill='{colour}' fill-opacity='0.6'/>"
        ));
    }
    over_time.push_str(&format!(
        "<text x='{}' y='{}' font-size='12' text-anchor='middle'>time since start (completion); red: failed</text></svg>",
        left + pw / 2.0,
        h - 4.0
    ));
    // Histogram: 40 bins over [0, p99.9 * 1.2].
    let lats: Vec<f64> = r.timeline.iter().filter(|p| p.2).map(|p| p.1).collect();
    let hi = (r.latency_ms.p999 * 1.2).max(1e-3);
    let bins = 40usize;
    let mut counts = vec![0usize; bins];
    for l in &lats {
        let b = ((l / hi) * bins as f64) as usize;
        counts[b.min(bins - 1)] += 1;
    }
    let cmax = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut hist = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' role='img' aria-label='latency histogram'>\
         <rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#999'/>"
    );
    let bw = pw / bins as f64;
    for (i, c) in counts.iter().enumerate() {
        let bh = *c as f64 / cmax * ph;
        hist.push_str(&format!(
            "<rect x='{:.1}' y='{:.1}' width='{:.1}' height='{bh:.1}' fill='#2ca02c'><title>{:.2}-{:.2} ms: {c}</title></rect>",
            left + i as f64 * bw + 1.0,
            top + ph - bh,
            (bw - 2.0).max(1.0),
            i as f64 * hi / bins as f64,
            (i + 1) as f64 * hi / bins as f64
        ));
    }
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        hist.push_str(&format!(
            "<text x='{:.1}' y='{}' font-size='11' text-anchor='middle'>{:.1} ms</text>\
             <text x='{}' y='{:.1}' font-size='11' text-anchor='end'>{:.0}</text>",
            left + f * pw,
            top + ph + 16.0,
            f * hi,
            left - 4.0,
            top + ph - f * ph + 4.0,
            f * cmax
        ));
    }
    for (q, v) in [("p50", r.latency_ms.p50), ("p99", r.latency_ms.p99)] {
        let x = left + (v / hi).min(1.0) * pw;
        hist.push_str(&format!(
            "<line x1='{x:.1}' x2='{x:.1}' y1='{top}' y2='{}' stroke='#000' stroke-dasharray='4 3'/>\
             <text x='{:.1}' y='{}' font-size='11'>{q} {v:.2} ms</text>",
            top + ph,
            x + 3.0,
            top + 12.0
        ));
    }
    hist.push_str(&format!(
        "<text x='{}' y='{}' font-size='12' text-anchor='middle'>renewal latency, successful renewals of the plotted sample (the last bar holds everything above)</text></svg>",
        left + pw / 2.0,
        h - 4.0
    ));
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>harness load</title>\
         <style>body{{font-family:sans-serif;margin:20px}}pre{{background:#f4f4f4;padding:10px;white-space:pre-wrap}}</style></head>\
         <body><h1>harness load</h1><pre>{}</pre><h2>Latency over time</h2>{over_time}\
         <h2>Latency histogram</h2>{hist}</body></html>\n",
        escape(&summary(r))
    )
}
