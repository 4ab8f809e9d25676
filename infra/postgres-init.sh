#!/bin/sh
# First start of the postgres container: one database and one owner each for Prefect and prm.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE USER prefect PASSWORD '${PREFECT_DB_PASSWORD}';
CREATE DATABASE prefect OWNER prefect;
CREATE USER prm PASSWORD '${PRM_DB_PASSWORD}';
CREATE DATABASE prm OWNER prm;
SQL
