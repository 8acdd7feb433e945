# modules.q - Flink's modules: Tumble has one, core (its built-in
# functions), always loaded and used. Loading another is refused as Flink
# refuses a module without a factory; core cannot be unloaded or left out
# of USE MODULES. Nor does it run JVM code: ADD JAR and REMOVE JAR are
# refused and SHOW JARS lists none.

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SHOW MODULES;
+-------------+
| module name |
+-------------+
|        core |
+-------------+
1 row in set
!ok

SHOW FULL MODULES;
+-------------+------+
| module name | used |
+-------------+------+
|        core | TRUE |
+-------------+------+
1 row in set
!ok

LOAD MODULE core;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 13 near "core": A module with name 'core' already exists
!error

LOAD MODULE 'core';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 13 near "'core'": Encountered "\'core\'" at line 1, column 13.
Was expecting one of:
    <BRACKET_QUOTED_IDENTIFIER> ...
    <QUOTED_IDENTIFIER> ...
    <BACK_QUOTED_IDENTIFIER> ...
    <BIG_QUERY_BACK_QUOTED_IDENTIFIER> ...
    <HYPHENATED_IDENTIFIER> ...
    <IDENTIFIER> ...
    <UNICODE_QUOTED_IDENTIFIER> ...
!error

LOAD MODULE hive;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 13 near "hive": Could not find any factory for identifier 'hive' that implements 'org.apache.flink.table.factories.ModuleFactory' in the classpath.

Available factory identifiers are:

core
!error

LOAD MODULE myhive WITH ('type' = 'hive');
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 26 near "'type'": Option 'type' = 'hive' is not supported since module name is used to find module
!error

USE MODULES core, hive, core;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 25 near "core": Module 'core' appears more than once
!error

USE MODULES hive, core;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 13 near "hive": No module with name 'hive' exists
!error

USE MODULES core;
[INFO] Execute statement succeeded.
!info

UNLOAD MODULE hive;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 15 near "hive": No module with name 'hive' exists
!error

UNLOAD MODULE core;
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 15 near "core": The core module cannot be unloaded: Tumble's built-in functions are always available
!error

# An unknown function is named with its arguments' type families.
SELECT SUBSTRING_INDEX('www.apache.org', '.', 2, TRUE, DATE '2020-01-01') FROM (VALUES (1)) AS T(id);
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 8 near "SUBSTRING_INDEX": No match found for function signature SUBSTRING_INDEX(<CHARACTER>, <CHARACTER>, <NUMERIC>, <BOOLEAN>, <DATE>)
!error

ADD JAR '/tmp/udfs.jar';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "ADD": ADD JAR is not supported: Tumble runs no JVM code; its functions are built in (CREATE FUNCTION knows the Java classes it implements)
!error

REMOVE JAR '/tmp/udfs.jar';
[ERROR] Could not execute SQL statement. Reason:
SQL error at line 1, column 1 near "REMOVE": Jar '/tmp/udfs.jar' was never added: Tumble runs no JVM code and adds no jars
!error

SHOW JARS;
Empty set
!ok
