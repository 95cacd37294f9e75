//! Small builders of Rust syntax: identifiers, doc comments and literals.
//!
//! Nothing here panics: names the validator should have rejected still become some legal
//! identifier, so a bug upstream shows up as a compile error in generated code, not as a panic
//! in `build.rs`.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// Identifiers that need `r#` to be used as a name (strict and reserved keywords of every
/// edition; `gen` is reserved from 2024 on).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers either.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A Rust identifier for a name of the schema.
pub(crate) struct Name {
    /// The identifier to write: `r#type` for `type`.
    pub(crate) ident: Ident,
    /// The identifier is not spelled like the wire name (`self` -> `self_`), so serde needs a
    /// `rename`.
    pub(crate) renamed: bool,
}

/// The Rust identifier of a field or other snake_case name: raw for keywords.
pub(crate) fn field_name(name: &str) -> Name {
    if RAW_KEYWORDS.contains(&name) {
        return Name {
            ident: Ident::new_raw(name, Span::call_site()),
            renamed: false,
        };
    }
    let ident = ident(name);
    let renamed = ident != name;
    Name { ident, renamed }
}

/// An identifier for a name that should already be one (type, variant, field); anything
/// else is made legal by replacing characters, so emission never panics.
pub(crate) fn ident(name: &str) -> Ident {
    if RAW_KEYWORDS.contains(&name) {
        return Ident::new_raw(name, Span::call_site());
    }
    let mut text: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_digit()) {
        text.insert(0, '_');
    }
    if NON_RAW_KEYWORDS.contains(&text.as_str()) {
        text.push('_');
    }
    Ident::new(&text, Span::call_site())
}

/// An identifier built from parts: `format_ident!` without its panics.
pub(crate) fn ident_of(text: String) -> Ident {
    ident(&text)
}

/// `SCREAMING_SNAKE_CASE` of a snake_case name.
pub(crate) fn screaming(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// Width of doc text before it wraps; generated items are indented at most two levels.
const DOC_WIDTH: usize = 88;

/// `#[doc]` attributes for a text: one per line, long lines wrapped at word boundaries,
/// paragraphs kept. Empty text gives nothing.
pub(crate) fn doc(text: &str) -> TokenStream {
    let text = text.trim();
    if text.is_empty() {
        return TokenStream::new();
    }
    let lines = text
        .lines()
        .flat_map(|line| wrap(line.trim_end(), DOC_WIDTH));
    let attrs = lines.map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// Doc attributes of several paragraphs; empty ones are skipped.
pub(crate) fn doc_paragraphs<S: AsRef<str>>(paragraphs: &[S]) -> TokenStream {
    let texts: Vec<&str> = paragraphs
        .iter()
        .map(|p| p.as_ref().trim())
        .filter(|p| !p.is_empty())
        .collect();
    doc(&texts.join("\n\n"))
}

fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_owned()];
    }
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    // Continuation lines of a Markdown list item stay inside the item.
    let continuation = if line.trim_start().starts_with("- ") {
        format!("{indent}  ")
    } else {
        indent.clone()
    };
    let mut lines = Vec::new();
    let mut current = indent;
    for word in line.split_whitespace() {
        let fits = current.trim().is_empty()
            || current.chars().count() + 1 + word.chars().count() <= width;
        if !fits {
            lines.push(std::mem::replace(&mut current, continuation.clone()));
        }
        if !current.trim().is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

/// A string literal.
pub(crate) fn str_lit(text: &str) -> Literal {
    Literal::string(text)
}

/// A string literal for a regular expression: raw (`r"\d+"`) when that reads better.
pub(crate) fn regex_lit(text: &str) -> TokenStream {
    if !text.contains('\\') {
        let plain = str_lit(text);
        return quote!(#plain);
    }
    raw_str_lit(text)
}

/// A raw string literal (`r#"{"a":1}"#`), for texts full of quotes or backslashes such as
/// JSON, with as few `#` as it needs.
pub(crate) fn raw_str_lit(text: &str) -> TokenStream {
    let plain = str_lit(text);
    let mut hashes = String::new();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse::<TokenStream>()
        .unwrap_or_else(|_| quote!(#plain))
}

/// An integer literal without suffix; negative numbers as `-n`.
pub(crate) fn int_lit(value: i128) -> TokenStream {
    let magnitude = Literal::u128_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

/// A float literal that always reads as a float (`1.0`, not `1`); non-finite values as the
/// `f64` constants.
pub(crate) fn float_lit(value: f64) -> TokenStream {
    if value.is_nan() {
        return quote!(f64::NAN);
    }
    if value.is_infinite() {
        return if value > 0.0 {
            quote!(f64::INFINITY)
        } else {
            quote!(f64::NEG_INFINITY)
        };
    }
    let magnitude = Literal::f64_unsuffixed(value.abs());
    if value.is_sign_negative() && value != 0.0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

/// `compile_error!("...")` as an item or expression: how emission reports an IR it cannot
/// express (the validator should have rejected it).
pub(crate) fn compile_error(message: &str) -> TokenStream {
    let message = format!("event-codegen: {message}");
    quote!(::core::compile_error!(#message))
}

/// Parses a Rust path written in the schema or the options (`crate::migrations::f`).
pub(crate) fn parse_path(text: &str) -> Result<syn::Path, String> {
    syn::parse_str::<syn::Path>(text.trim())
        .map_err(|error| format!("`{text}` is not a Rust path: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(field_name("type").ident.to_string(), "r#type");
        assert_eq!(field_name("gen").ident.to_string(), "r#gen");
        assert_eq!(field_name("user_name").ident.to_string(), "user_name");
        let name = field_name("self");
        assert_eq!(
            (name.ident.to_string(), name.renamed),
            ("self_".to_owned(), true)
        );
        assert_eq!(ident("9lives").to_string(), "_9lives");
        assert_eq!(ident("a-b").to_string(), "a_b");
    }

    #[test]
    fn literals_read_like_hand_written_ones() {
        assert_eq!(int_lit(-5).to_string(), "- 5");
        assert_eq!(float_lit(1.0).to_string(), "1.0");
        assert_eq!(float_lit(-0.5).to_string(), "- 0.5");
        assert_eq!(float_lit(f64::NAN).to_string(), "f64 :: NAN");
        assert_eq!(regex_lit(r"^\d+$").to_string(), r#"r"^\d+$""#);
        assert_eq!(regex_lit(r#"^\d"$"#).to_string(), r##"r#"^\d"$"#"##);
        assert_eq!(regex_lit("^a+$").to_string(), r#""^a+$""#);
    }

    #[test]
    fn long_doc_lines_wrap_at_words() {
        let text = "word ".repeat(40);
        let tokens = doc(&text).to_string();
        assert_eq!(tokens.matches("doc").count(), 3, "{tokens}");
        assert!(doc("  ").is_empty());
    }
}
