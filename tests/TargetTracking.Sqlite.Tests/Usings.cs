global using Xunit;
global using SqliteMigration = TargetTracking.Linq2Db.Migration;
