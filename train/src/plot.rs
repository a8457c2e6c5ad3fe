//! `loss.svg`: training and validation loss per epoch.

use std::path::Path;

use plotters::prelude::*;

use crate::report::EpochRow;

pub fn loss_curve(rows: &[EpochRow], path: &Path) -> Result<(), String> {
    if rows.is_empty() {
        return Ok(());
    }
    let err = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let max_epoch = rows.iter().map(|r| r.epoch).max().unwrap_or(1) as f64;
    let losses = rows
        .iter()
        .flat_map(|r| [r.train_loss, r.valid.loss])
        .filter(|v| v.is_finite());
    let (lo, hi) = losses.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let pad = ((hi - lo) * 0.1).max(1e-3);
    let mut chart = ChartBuilder::on(&root)
        .caption("loss (nats/char)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0.5..max_epoch + 0.5, (lo - pad).max(0.0)..hi + pad)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .draw()
        .map_err(|e| err(&e))?;
    let train: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.epoch as f64, r.train_loss))
        .collect();
    let valid: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.epoch as f64, r.valid.loss))
        .collect();
    chart
        .draw_series(LineSeries::new(train, &BLUE))
        .map_err(|e| err(&e))?
        .label("train")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
    chart
        .draw_series(LineSeries::new(valid, &RED))
        .map_err(|e| err(&e))?
        .label("validation")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
