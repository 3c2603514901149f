//! Dossier: customer records for property-management offices.

pub mod app;
pub mod audit_writer;
pub mod backup;
pub mod bootstrap;
pub mod cli;
pub mod clock;
pub mod cron;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod routes;
pub mod service;
pub mod settings;
pub mod shutdown;
pub mod state;
pub mod stop;
pub mod views;
pub mod web;
