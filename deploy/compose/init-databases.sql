-- One database per service: no service reads another service's tables.
CREATE DATABASE complaints;
CREATE DATABASE cases;
CREATE DATABASE credit;
CREATE DATABASE notify;
