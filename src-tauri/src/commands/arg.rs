//! Command arguments that fail like everything else. Tauri answers an argument it cannot decode
//! (wrong JSON type, missing, out of range) with plain text; every command's arguments are
//! `Arg<T>`, which answers instead with the typed error every other failure uses: a validation
//! error naming the argument. The bindings see `T` itself.

use serde::Deserialize;
use tauri::Runtime;
use tauri::ipc::{CommandArg, CommandItem, InvokeError};

use podoclinic_clinic::error::AppError;

/// One decoded command argument.
pub struct Arg<T>(pub T);

impl<'de, R: Runtime, T: Deserialize<'de>> CommandArg<'de, R> for Arg<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let key = command.key;
        T::deserialize(command).map(Arg).map_err(|e| {
            tracing::debug!(argument = key, error = %e, "command argument not decoded");
            InvokeError::from(AppError::validation(key, "invalid_value"))
        })
    }
}

impl<T: specta::Type> specta::Type for Arg<T> {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        T::definition(types)
    }
}
