global using Xunit;
global using TargetTracking.Linq2Db;
