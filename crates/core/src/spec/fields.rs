//! Typed access to a spec's settings by their keys: a knob set from a link or `--set` writes
//! one field (the others are not touched, nor is the spec rebuilt), and a spec whose modes read
//! different settings holds each mode's settings as a struct of their own (see
//! [`crate::fields!`]).

use serde_json::Value;

/// Settings addressed by key: the keys are the field names, which are also the link's and
/// `--set`'s keys and the names in `metrics.json`.
pub trait Fields {
    /// Every key, in field order (a group of settings counts its own keys).
    fn keys(&self) -> Vec<&'static str>;

    /// Writes `value` to the field `key`: `None` when no field has that key, `Some(Err)` with
    /// the reason when the value does not fit the field's type.
    fn set_field(&mut self, key: &str, value: &Value) -> Option<Result<(), String>>;

    /// The field `key`'s value, or `None` when no field has that key.
    fn field(&self, key: &str) -> Option<Value>;
}

/// One field's value into and out of its JSON form (a number, a word or a boolean).
#[doc(hidden)]
pub fn write<T: serde::de::DeserializeOwned>(slot: &mut T, value: &Value) -> Result<(), String> {
    *slot = T::deserialize(value).map_err(|e| e.to_string())?;
    Ok(())
}

#[doc(hidden)]
pub fn read<T: serde::Serialize>(slot: &T) -> Option<Value> {
    serde_json::to_value(slot).ok()
}

/// Implements [`Fields`] for a struct from its field names: `plain` fields are settings of
/// their own, `groups` are structs of settings (implementing [`Fields`] themselves) whose keys
/// sit beside the plain ones, flat (`#[serde(flatten)]`).
///
/// ```ignore
/// overfit_core::fields!(Spec { mode, data_seed } groups { grid, widths });
/// ```
///
/// Or around a struct whose fields are all plain settings, which then names each field once:
///
/// ```ignore
/// overfit_core::fields! {
///     #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
///     pub struct Grid { pub ratio_min: f64, pub ratio_max: f64 }
/// }
/// ```
#[macro_export]
macro_rules! fields {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $field_ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $field_ty,)*
        }

        $crate::fields!($name { $($field),* });
    };
    ($ty:ty { $($field:ident),* $(,)? } $(groups { $($group:ident),* $(,)? })?) => {
        impl $crate::spec::Fields for $ty {
            fn keys(&self) -> Vec<&'static str> {
                #[allow(unused_mut)]
                let mut keys = vec![$(stringify!($field)),*];
                $($(keys.extend($crate::spec::Fields::keys(&self.$group));)*)?
                keys
            }

            fn set_field(
                &mut self,
                key: &str,
                value: &::serde_json::Value,
            ) -> Option<Result<(), String>> {
                match key {
                    $(stringify!($field) => Some($crate::spec::fields::write(&mut self.$field, value)),)*
                    _ => None,
                }
                $($(.or_else(|| $crate::spec::Fields::set_field(&mut self.$group, key, value)))*)?
            }

            fn field(&self, key: &str) -> Option<::serde_json::Value> {
                match key {
                    $(stringify!($field) => $crate::spec::fields::read(&self.$field),)*
                    _ => None,
                }
                $($(.or_else(|| $crate::spec::Fields::field(&self.$group, key)))*)?
            }
        }
    };
}

/// Implements `serde::Deserialize` for a spec with groups (serde's `flatten` cannot refuse
/// unknown keys): from a flat JSON object, each key written to its field over the default
/// spec; an unknown key or a value of the wrong type is an error, as for a derived spec with
/// `#[serde(default, deny_unknown_fields)]`.
#[macro_export]
macro_rules! deserialize_by_fields {
    ($ty:ty) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                use ::serde::de::Error;
                let map =
                    ::serde_json::Map::<String, ::serde_json::Value>::deserialize(deserializer)?;
                let mut spec = <$ty>::default();
                for (key, value) in &map {
                    match $crate::spec::Fields::set_field(&mut spec, key, value) {
                        Some(Ok(())) => {}
                        Some(Err(e)) => return Err(D::Error::custom(format!("{key}: {e}"))),
                        None => return Err(D::Error::custom(format!("unknown field `{key}`"))),
                    }
                }
                Ok(spec)
            }
        }
    };
}
