#![no_main]
nstools::entry!(nstools::tool::nsidmap::main);
