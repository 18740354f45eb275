//! Files the page hands to the reader: metrics, charts as SVG or PNG. Nothing leaves the
//! computer; the browser saves what the page made.

use wasm_bindgen::JsCast;

/// Saves `url` (a data URL) as a file called `name`.
pub fn download(name: &str, url: &str) {
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(link) = link {
        let _ = link.set_attribute("href", url);
        let _ = link.set_attribute("download", name);
        link.click();
    }
}

/// Rasterises an SVG chart (twice its size, for sharp slides) and downloads it as a PNG.
pub fn download_png(svg: &str, width: f64, height: f64, name: &'static str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(image) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let loaded = image.clone();
    let on_load = wasm_bindgen::prelude::Closure::once_into_js(move || {
        let Some(canvas) = document
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width((2.0 * width) as u32);
        canvas.set_height((2.0 * height) as u32);
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        if let Some(context) = context {
            let _ = context.draw_image_with_html_image_element_and_dw_and_dh(
                &loaded,
                0.0,
                0.0,
                2.0 * width,
                2.0 * height,
            );
        }
        if let Ok(url) = canvas.to_data_url_with_type("image/png") {
            download(name, &url);
        }
    });
    image.set_onload(Some(on_load.unchecked_ref()));
    image.set_src(&data_url("image/svg+xml", svg));
}

/// `text` as a data URL of type `mime`.
pub fn data_url(mime: &str, text: &str) -> String {
    format!(
        "data:{mime};charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}
