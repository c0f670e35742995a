#![no_main]
nstools::entry!(nstools::tool::nspivot::main);
