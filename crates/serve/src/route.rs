//! Routes: which app a request path goes to.
//!
//! A route is either exact (`/hello` matches only `/hello`) or a prefix
//! written with a trailing `/...` (`/api/...` matches `/api` and every path
//! under `/api/`; `/...` matches everything). The longest matching prefix
//! wins, and an exact route beats any prefix.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A route pattern from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RoutePattern {
    /// Matches this path only.
    Exact(String),
    /// Matches this base path and every path below it; the base has no
    /// trailing `/` (it is empty for `/...`).
    Prefix(String),
}

impl FromStr for RoutePattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if !s.starts_with('/') {
            return Err(format!("`{s}` must start with `/`"));
        }
        let (pattern, rest) = match s.strip_suffix("/...") {
            Some(base) => (RoutePattern::Prefix(base.to_string()), base),
            None => (RoutePattern::Exact(s.to_string()), s),
        };
        if rest.contains("...") {
            return Err(format!("`{s}`: `...` may only end a route, as in `/api/...`"));
        }
        if rest.contains(['?', '#']) || rest.contains(char::is_whitespace) {
            return Err(format!("`{s}` is not a path (no query, fragment or spaces)"));
        }
        Ok(pattern)
    }
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoutePattern::Exact(path) => f.write_str(path),
            RoutePattern::Prefix(base) => write!(f, "{base}/..."),
        }
    }
}

impl RoutePattern {
    /// If `path` matches, the part the route names (CGI's `SCRIPT_NAME`)
    /// and the rest (`PATH_INFO`, empty or starting with `/`).
    pub fn split<'p>(&self, path: &'p str) -> Option<(&'p str, &'p str)> {
        match self {
            RoutePattern::Exact(p) => (path == p).then_some((path, "")),
            RoutePattern::Prefix(base) => split_under(base, path),
        }
    }
}

/// `path` split after `base`, if it is `base` or a path below it.
fn split_under<'p>(base: &str, path: &'p str) -> Option<(&'p str, &'p str)> {
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then(|| path.split_at(base.len()))
}

/// Patterns to values, looked up by path.
#[derive(Debug)]
pub struct Router<V> {
    exact: HashMap<String, usize>,
    /// Longest base first.
    prefixes: Vec<(String, usize)>,
    values: Vec<(RoutePattern, V)>,
}

impl<V> Router<V> {
    /// A router over `routes`; fails on the first pattern given twice.
    pub fn new(routes: Vec<(RoutePattern, V)>) -> Result<Self, RoutePattern> {
        let mut exact = HashMap::new();
        let mut prefixes = Vec::new();
        for (i, (pattern, _)) in routes.iter().enumerate() {
            let fresh = match pattern {
                RoutePattern::Exact(p) => exact.insert(p.clone(), i).is_none(),
                RoutePattern::Prefix(base) => {
                    let seen = prefixes.iter().any(|(b, _)| b == base);
                    prefixes.push((base.clone(), i));
                    !seen
                }
            };
            if !fresh {
                return Err(pattern.clone());
            }
        }
        prefixes.sort_by_key(|(base, _): &(String, usize)| std::cmp::Reverse(base.len()));
        Ok(Self { exact, prefixes, values: routes })
    }

    /// The route `path` goes to: its pattern, value, and the path split
    /// into the routed part and the rest.
    pub fn find<'p>(&self, path: &'p str) -> Option<(&RoutePattern, &V, &'p str, &'p str)> {
        let i = match self.exact.get(path) {
            Some(&i) => i,
            None => {
                let by_prefix =
                    self.prefixes.iter().find(|(base, _)| split_under(base, path).is_some());
                by_prefix?.1
            }
        };
        let (pattern, value) = &self.values[i];
        let (script, info) = pattern.split(path)?;
        Some((pattern, value, script, info))
    }

    /// Every route, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &(RoutePattern, V)> {
        self.values.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RoutePattern {
        s.parse().unwrap()
    }

    #[test]
    fn patterns_parse_and_print_back() {
        for s in ["/hello", "/api/...", "/...", "/a/b/..."] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(p("/..."), RoutePattern::Prefix(String::new()));
        assert!("hello".parse::<RoutePattern>().is_err());
        assert!("/a/.../b".parse::<RoutePattern>().is_err());
        assert!("/a?b".parse::<RoutePattern>().is_err());
    }

    #[test]
    fn longest_prefix_and_exact_routes_win() {
        let router = Router::new(vec![
            (p("/..."), "all"),
            (p("/api/..."), "api"),
            (p("/api/v2/..."), "v2"),
            (p("/api/v2/status"), "status"),
        ])
        .unwrap();
        let find = |path| router.find(path).map(|(_, v, s, i)| (*v, s, i));
        assert_eq!(find("/api/v2/status"), Some(("status", "/api/v2/status", "")));
        assert_eq!(find("/api/v2/x"), Some(("v2", "/api/v2", "/x")));
        assert_eq!(find("/api/v2"), Some(("v2", "/api/v2", "")));
        assert_eq!(find("/api/v20"), Some(("api", "/api", "/v20")));
        assert_eq!(find("/apix"), Some(("all", "", "/apix")));
        assert_eq!(find("/"), Some(("all", "", "/")));
    }

    #[test]
    fn unmatched_paths_and_duplicates() {
        let router = Router::new(vec![(p("/hello"), 1)]).unwrap();
        assert!(router.find("/hello/x").is_none());
        assert!(router.find("/").is_none());
        assert_eq!(Router::new(vec![(p("/a/..."), 1), (p("/a/..."), 2)]).unwrap_err(), p("/a/..."));
        assert_eq!(Router::new(vec![(p("/a"), 1), (p("/a"), 2)]).unwrap_err(), p("/a"));
    }
}
